package dev.maestro.contracts.tool;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;

/**
 * The texts a model reads when a tool call did not produce a normal result, and the one shape they
 * travel in ({@code {callId, content:[{type:text,text}], isError:true}}). session-service (which
 * gates calls before they reach tool-service) and tool-service (which checks them again) answer the
 * same situation with the same words.
 */
public final class ToolResults {
  private ToolResults() {}

  /** The user answered an approval with deny. */
  public static final String USER_DENIED = "The user denied this tool call.";
  /** The turn ended while the call waited for approval. */
  public static final String TURN_CANCELLED = "The turn was cancelled.";
  /** Rebuilding a context: a stored call has no result because its turn ended first. */
  public static final String NOT_RUN = "The tool call did not run: the turn was cancelled or interrupted.";
  /** An MCP call stopped on the user's cancel or by its timeout. */
  public static final String CALL_CANCELLED = "call cancelled";

  public static String unknownTool(String name, Collection<String> available) {
    return "unknown tool '" + name + "'. Available tools: " + String.join(", ", available);
  }

  public static String disabled(String name) {
    return "tool '" + name + "' is disabled";
  }

  public static String deniedByPolicy(String name) {
    return "tool '" + name + "' is denied by policy; it cannot be run";
  }

  public static String timedOut(String name, long seconds) {
    return "tool '" + name + "' timed out after " + seconds + " s";
  }

  /** The tool ran and failed (tool-service's view). */
  public static String failed(String name, String why) {
    return "tool '" + name + "' failed: " + why;
  }

  /** tool-service could not be asked or did not answer (session-service's view). */
  public static String couldNotRun(String why) {
    return "The tool could not run: " + why;
  }

  /** A call still running when its turn ended ({@code status}: cancelled, interrupted, error). */
  public static String endedBefore(String status) {
    return "The tool call was " + status + " before it finished.";
  }

  /** {@code [{type:text,text}]}. */
  public static JsonArray textContent(String text) {
    return new JsonArray().add(new JsonObject().put("type", "text").put("text", text));
  }

  /** {@code {callId, content:[{type:text,text}], isError:true}}. */
  public static JsonObject error(String callId, String text) {
    return new JsonObject().put("callId", callId).put("content", textContent(text)).put("isError", true);
  }
}
