package dev.maestro.tool.mcp;

import java.util.Objects;

/**
 * Whether the server currently refuses us for lack of authorization, and its challenge: the one place
 * that turns a 401/403 (on initialize, tools/list or a call) into "sign in" for the UI.
 */
final class McpAuthState {
  private volatile String challenge;

  /**
   * When {@code err} is the server refusing authorization, remembers its WWW-Authenticate (the UI's
   * "sign in" passes it to auth-service's startMcpOAuth) and returns the HTTP status; otherwise null.
   */
  Integer refused(Throwable err) {
    Integer status = McpErrors.authStatus(err);
    if (status != null) challenge = Objects.requireNonNullElse(McpErrors.challenge(err), "");
    return status;
  }

  /** {@code err} as "sign in" when it is a refusal ({@code during}: e.g. " on tools/list"), else unchanged. */
  Throwable explain(Throwable err, String during) {
    Integer status = refused(err);
    if (status == null) return err;
    return new IllegalStateException("HTTP " + status + " from the server" + during + ": it requires "
        + "authorization; sign in to this MCP server (MCP OAuth through auth-service) or set an Authorization header");
  }

  /** Connected: the server let us in. */
  void accepted() {
    challenge = null;
  }

  /** Set while the server refuses us: its WWW-Authenticate (may be ""), else null. */
  String challenge() {
    return challenge;
  }
}
