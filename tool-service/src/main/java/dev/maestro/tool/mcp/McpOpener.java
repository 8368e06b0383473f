package dev.maestro.tool.mcp;

import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundRefusedException;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Opens one server: stdio under the sandbox, or HTTP with its URL checked first, the user's OAuth token
 * (refreshed once when refused), then the revision: {@code server/discover} of the stateless 2026-07-28
 * revision first, and when the server does not know it (an HTTP 4xx without a modern JSON-RPC error, e.g.
 * 400 "not initialized" or -32601), {@code initialize} over Streamable HTTP with a fallback to HTTP+SSE
 * for older servers. A stdio server is asked {@code server/discover} the same way; one that answers it with an
 * error or not in time (a 2025 server) gets {@code initialize} on the same process. The answer
 * is remembered for this server (spec: basic/versioning.mdx, "the era determination is a property of the
 * server"), starting from the revision stored with its configuration ({@code protocolVersion}, persisted by
 * the owner): a reconnect, or a restart, goes straight to what it spoke, and a failed open forgets it so the
 * next attempt probes again.
 */
final class McpOpener {
  private final Vertx vertx;
  private final McpSettings settings;
  private final JsonObject config;
  private final McpTokens tokens;
  private final McpTransports transports;
  private final McpClientFactory clients;
  private final McpAuthState auth;
  private final MonoFutures futures;
  /** What this server spoke when last opened: true 2026-07-28, false a 2025 revision, null not known. */
  private volatile Boolean stateless;

  McpOpener(Vertx vertx, io.vertx.core.Context context, McpSettings settings, JsonObject config, McpTokens tokens,
            McpTransports transports, McpClientFactory clients, McpAuthState auth) {
    this.futures = new MonoFutures(context);
    this.vertx = vertx;
    this.settings = settings;
    this.config = config;
    this.tokens = tokens;
    this.transports = transports;
    this.clients = clients;
    this.auth = auth;
    this.stateless = known(config.getString("protocolVersion"));
  }

  /** What a stored revision says about the era: true 2026-07-28, false an earlier one, null nothing stored. */
  static Boolean known(String protocolVersion) {
    return protocolVersion == null || protocolVersion.isBlank() ? null : StatelessHttpClient.VERSION.equals(protocolVersion);
  }

  Future<LiveClient> open(McpClientFactory.Events events) {
    if (!transports.http()) {
      return stdio(events).recover(err -> {
        stateless = null;
        return Future.failedFuture(err);
      });
    }
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
    })).recover(err -> {
      stateless = null;
      return Future.failedFuture(auth.explain(err, ""));
    });
  }

  /** server/discover on a fresh process unless this server is known to speak a 2025 revision. */
  private Future<LiveClient> stdio(McpClientFactory.Events events) {
    if (Boolean.FALSE.equals(stateless)) return transports.stdio().compose(t -> clients.initialize(t, events));
    return transports.stdio().compose(t -> {
      StatelessPeer peer = new StatelessPeer(new StatelessStdioClient(t, transports.mapper()));
      return futures.of(peer.discover().timeout(java.time.Duration.ofSeconds(probeSeconds()))).compose(d -> {
        if (d.speaksOurs()) {
          stateless = true;
          peer.listen(events);
          return Future.succeededFuture(new LiveClient(peer));
        }
        stateless = false;
        return clients.initialize(t, events);   // the SDK's client takes the probed process over
      }, err -> {
        if (err instanceof StatelessHttpClient.RpcError r && r.modern() && !legacyOffered(r)) {
          stop(peer);
          return Future.failedFuture(err);
        }
        // it answered with an error (e.g. -32601), or not in time (a slow start, or a server that ignores what it
        // does not know): a 2025 server, still waiting for initialize on the same process (a late answer to the
        // probe is a response the SDK does not wait for, and drops); a process that died fails initialize
        stateless = false;
        return clients.initialize(t, events);   // the SDK's client takes the probed process over
      });
    });
  }


  private Future<Void> stop(StatelessPeer peer) {
    return vertx.executeBlocking(() -> {
      peer.close();
      return null;
    }, false);
  }

  /** How long a stdio server may take to answer the probe: its start is part of it. */
  private long probeSeconds() {
    return Math.max(1, Math.min(10, settings.requestTimeoutSeconds()));
  }

  /** server/discover first unless this server is known to speak a 2025 revision. */
  private Future<LiveClient> http(String token, McpClientFactory.Events events) {
    if (Boolean.FALSE.equals(stateless)) return sdkHttp(token, events);
    StatelessPeer peer = new StatelessPeer(transports.stateless(token));
    long bound = Math.max(1, Math.min(10, settings.requestTimeoutSeconds() / 2));
    return futures.of(peer.discover().timeout(java.time.Duration.ofSeconds(bound))).compose(d -> {
      if (d.speaksOurs()) {
        stateless = true;
        peer.listen(events);   // list changes and resources/updated (subscriptions/listen)
        return Future.succeededFuture(new LiveClient(peer));
      }
      stateless = false;   // a server of both eras that does not take 2026-07-28: its 2025 side
      return sdkHttp(token, events);
    }, err -> {
      McpUrls.Refused refused = McpUrls.refusal(err);
      if (refused != null) return Future.failedFuture(new IllegalStateException(refused.getMessage()));
      if (McpErrors.authStatus(err) != null) return Future.failedFuture(err);
      if (err instanceof StatelessHttpClient.RpcError r && r.modern() && !legacyOffered(r)) {
        return Future.failedFuture(err);   // a modern server refusing us for a reason falling back would not cure
      }
      stateless = false;
      return sdkHttp(token, events);
    });
  }

  /** UnsupportedProtocolVersion naming a 2025 revision among the supported ones: initialize can still work. */
  private static boolean legacyOffered(StatelessHttpClient.RpcError r) {
    return r.code == StatelessHttpClient.UNSUPPORTED_VERSION && r.data instanceof java.util.Map<?, ?> d
        && d.get("supported") instanceof java.util.List<?> l
        && l.stream().anyMatch(v -> StreamableHttpTransport.PROTOCOL_VERSIONS.contains(String.valueOf(v)));
  }

  /** Streamable HTTP first; older servers speak HTTP+SSE (2024-11-05), tried when Streamable HTTP is refused. */
  private Future<LiveClient> sdkHttp(String token, McpClientFactory.Events events) {
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
