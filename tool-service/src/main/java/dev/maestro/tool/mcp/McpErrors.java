package dev.maestro.tool.mcp;

import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;

/** Reads what a failure from the MCP SDK means (it wraps the interesting cause in Reactor exceptions). */
final class McpErrors {
  private McpErrors() { }

  /** The SDK's request timeout (a Reactor timeout, possibly wrapped). */
  static boolean timedOut(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) return true;
    }
    return false;
  }

  /** 401/403 when the failure was the server refusing authorization, else null. */
  static Integer authStatus(Throwable err) {
    McpHttpClientTransportAuthorizationException a = authorization(err);
    if (a == null) return null;
    return a.getResponseInfo() != null ? a.getResponseInfo().statusCode() : 401;
  }

  /** The WWW-Authenticate challenge of a 401/403 (what auth-service's startMcpOAuth wants), or null. */
  static String challenge(Throwable err) {
    McpHttpClientTransportAuthorizationException a = authorization(err);
    if (a == null || a.getResponseInfo() == null) return null;
    return a.getResponseInfo().headers().firstValue("www-authenticate").orElse(null);
  }

  private static McpHttpClientTransportAuthorizationException authorization(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof McpHttpClientTransportAuthorizationException a) return a;
    }
    return null;
  }

  /**
   * What the model reads when a tools/call to {@code server} failed: a refusal for lack of authorization
   * ({@code refusedStatus} 401/403, e.g. 403 insufficient_scope: the UI offers "sign in" again), else the failure.
   */
  static dev.maestro.tool.exec.ToolResult callFailed(String server, Integer refusedStatus, Throwable err) {
    if (refusedStatus != null) {
      return dev.maestro.tool.exec.ToolResult.error("MCP server '" + server + "' refused the call with HTTP " + refusedStatus
          + ": it requires (more) authorization; sign in to this MCP server again");
    }
    return dev.maestro.tool.exec.ToolResult.error("MCP server '" + server + "' failed the call: " + message(err));
  }

  /** The first non-blank message down the cause chain, or the class's simple name. */
  static String message(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t.getMessage().isBlank())) t = t.getCause();
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
