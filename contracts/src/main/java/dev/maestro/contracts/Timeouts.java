package dev.maestro.contracts;

import dev.maestro.contracts.session.ElicitationForm;
import io.vertx.core.json.JsonObject;

/**
 * The timeouts around a tool call, which must nest or someone gives up while the work runs on.
 * From the inside out:
 * <pre>
 *   elicitation wait  &lt;  its proxy (+ ELICITATION_PROXY_MARGIN: session-service's own timeout answers first)
 *   elicitation wait  &lt;  session tool timeout (input, ≤ MAX_TOOL_SECONDS)
 *                     ≤  MAX_TOOL_SECONDS                 (tool-service clamps every call to it)
 *                     &lt;  TOOL_HARD_LIMIT_SECONDS          (+ RUN_COMMAND_GRACE: run_command's own kill, then the answer)
 *                     &lt;  TOOL_PROXY_SEND_TIMEOUT_MS       (+ PROXY_MARGIN: the caller's event-bus proxy)
 *                     &lt;  MCP_CALL_CEILING_SECONDS         (the MCP SDK never times a tools/call out first)
 * </pre>
 * The only input is {@link #TOOL_TIMEOUT} ({@code MAESTRO_SESSION_TOOL_TIMEOUT_SECONDS}); everything
 * else is derived here, so raising it (up to an hour) can no longer outlive the proxy that waits for it.
 */
public final class Timeouts {
  private Timeouts() {}

  /** The setting: the {@code timeoutSeconds} session-service passes to {@code ToolService.execute}. */
  public static final String TOOL_TIMEOUT = "MAESTRO_SESSION_TOOL_TIMEOUT_SECONDS";
  public static final long DEFAULT_TOOL_SECONDS = 600;
  /** The longest any one tool call may run; tool-service clamps every call (and run_command's own limit) to it. */
  public static final int MAX_TOOL_SECONDS = 3600;
  /** What tool-service uses when a caller gives no {@code timeoutSeconds}; run_command's default too. */
  public static final int DEFAULT_CALL_SECONDS = 120;
  /** run_command enforces its own limit (≤ MAX_TOOL_SECONDS) then kills the tree; this is its time to answer. */
  public static final int RUN_COMMAND_GRACE_SECONDS = 30;
  /** The longest tool-service takes to answer any execute. */
  public static final int TOOL_HARD_LIMIT_SECONDS = MAX_TOOL_SECONDS + RUN_COMMAND_GRACE_SECONDS;
  /** The ToolService proxy waits this much past tool-service's hard limit, so tool-service always answers first. */
  public static final int PROXY_MARGIN_SECONDS = 60;
  public static final long TOOL_PROXY_SEND_TIMEOUT_MS = (TOOL_HARD_LIMIT_SECONDS + PROXY_MARGIN_SECONDS) * 1000L;
  /** The MCP SDK's timeout for a tools/call: above everything, the call is timed by tool-service, not by the SDK. */
  public static final int MCP_CALL_CEILING_SECONDS = 3700;

  /** tool-service's proxy to session-service waits this much past the elicitation timeout, so the session answers first. */
  public static final long ELICITATION_PROXY_MARGIN_MS = 30_000;

  public static long elicitationProxySendTimeoutMs(long elicitationTimeoutMs) {
    return elicitationTimeoutMs + ELICITATION_PROXY_MARGIN_MS;
  }

  /** The SDK request timeout for an MCP connection: the configured one for initialize/list, never below the call ceiling. */
  public static int mcpRequestTimeoutSeconds(int configuredSeconds) {
    return Math.max(configuredSeconds, MCP_CALL_CEILING_SECONDS);
  }

  /** The session tool timeout from a service's config (env var name as key), checked against the nesting. */
  public static long toolSeconds(JsonObject config) {
    Object v = config == null ? null : config.getValue(TOOL_TIMEOUT);
    if (v == null) v = System.getProperty(TOOL_TIMEOUT, System.getenv(TOOL_TIMEOUT));
    if (v == null || String.valueOf(v).isBlank()) return DEFAULT_TOOL_SECONDS;
    double seconds;
    try {
      seconds = Double.parseDouble(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(TOOL_TIMEOUT + " must be a number, got '" + v + "'");
    }
    if (!(seconds >= 1 && seconds <= MAX_TOOL_SECONDS)) {
      throw new IllegalArgumentException(TOOL_TIMEOUT + " must be between 1 and " + MAX_TOOL_SECONDS
          + " seconds (the longest tool-service lets a call run), got '" + v + "'");
    }
    return (long) seconds;
  }

  /**
   * An elicitation must end before the tool call that asked it, so the MCP server gets a clean cancel
   * and can still finish the call: fails when the two settings break that.
   */
  public static void checkElicitation(long toolSeconds, long elicitationTimeoutMs) {
    if (elicitationTimeoutMs >= toolSeconds * 1000) {
      throw new IllegalArgumentException(ElicitationForm.TIMEOUT + " (" + elicitationTimeoutMs + " ms) must be below "
          + TOOL_TIMEOUT + " (" + toolSeconds + " s): an unanswered question has to end before the tool call that asked it");
    }
  }
}
