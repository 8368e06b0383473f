package dev.maestro.tool.mcp;

import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundRefusedException;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Opens one server: stdio under the sandbox, or HTTP with its URL checked first, the user's OAuth token
 * (refreshed once when refused), Streamable HTTP with a fallback to HTTP+SSE for older servers.
 */
final class McpOpener {
  private final Vertx vertx;
  private final McpSettings settings;
  private final JsonObject config;
  private final McpTokens tokens;
  private final McpTransports transports;
  private final McpClientFactory clients;
  private final McpAuthState auth;

  McpOpener(Vertx vertx, McpSettings settings, JsonObject config, McpTokens tokens, McpTransports transports,
            McpClientFactory clients, McpAuthState auth) {
    this.vertx = vertx;
    this.settings = settings;
    this.config = config;
    this.tokens = tokens;
    this.transports = transports;
    this.clients = clients;
    this.auth = auth;
  }

  Future<LiveClient> open(McpClientFactory.Events events) {
    if (!transports.http()) return transports.stdio().compose(t -> clients.initialize(t, events));
    String serverId = config.getString("id");
    // checked (resolved off the event loop) before anything is sent; each request checks again (McpUrls)
    Future<String> token = new OutboundHttp(vertx, settings.outbound()).check(config.getString("url"))
        .recover(err -> Future.failedFuture(err instanceof OutboundRefusedException r
            ? new IllegalStateException("MCP server URL " + r.getMessage()) : err))
        .compose(ok -> transports.ownAuthorization() || tokens == null ? Future.succeededFuture(null) : tokens.token(serverId));
    return token.compose(tok -> http(tok, events).recover(err -> {
      // A refused token: ask auth-service to refresh it once, then try again.
      if (McpErrors.authStatus(err) == null || tok == null) return Future.failedFuture(err);
      return tokens.refresh(serverId).compose(fresh -> fresh == null ? Future.failedFuture(err) : http(fresh, events));
    })).recover(err -> Future.failedFuture(auth.explain(err, "")));
  }

  /** Streamable HTTP first; older servers speak HTTP+SSE (2024-11-05), tried when Streamable HTTP is refused. */
  private Future<LiveClient> http(String token, McpClientFactory.Events events) {
    return init(transports.streamable(token), events).recover(err -> {
      // a URL the policy refuses is refused to the fallback too: say why instead of the SDK's wrapper
      McpUrls.Refused refused = McpUrls.refusal(err);
      if (refused != null) return Future.failedFuture(new IllegalStateException(refused.getMessage()));
      return McpErrors.authStatus(err) != null ? Future.failedFuture(err) : init(transports.legacySse(token), events).recover(err2 -> {
        McpUrls.Refused refused2 = McpUrls.refusal(err2);
        return Future.failedFuture(refused2 != null ? new IllegalStateException(refused2.getMessage()) : err);
      });
    });
  }

  private Future<LiveClient> init(McpClientTransport transport, McpClientFactory.Events events) {
    return clients.initialize(transport, events);
  }
}
