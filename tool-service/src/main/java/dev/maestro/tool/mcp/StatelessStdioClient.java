package dev.maestro.tool.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The stateless 2026-07-28 revision over stdio (spec: basic/transports/stdio.mdx of that revision): the
 * same process for every request, but no initialize; each request carries the per-request metadata and is
 * answered by id. Notifications that name a request's progress token, or the subscriptions/listen request in
 * {@code _meta["io.modelcontextprotocol/subscriptionId"]}, go to that request. Cancelling a
 * request sends {@code notifications/cancelled}. The server asks us nothing over this wire (input
 * requests ride in results), so a request from it is answered "method not found".
 */
final class StatelessStdioClient implements StatelessWire {
  private static final Logger LOG = LoggerFactory.getLogger(StatelessStdioClient.class);

  /** A request waiting for its answer. */
  private record Pending(reactor.core.publisher.MonoSink<Map<String, Object>> sink, Consumer<Map<String, Object>> notifications,
                         String progressToken) { }

  private final McpClientTransport transport;
  private final McpJsonMapper mapper;
  static final String SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
  private final AtomicLong ids = new AtomicLong();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  /** Starts the process once, for the first request. */
  private final Mono<Void> connected;

  StatelessStdioClient(McpClientTransport transport, McpJsonMapper mapper) {
    this.transport = transport;
    this.mapper = mapper;
    this.connected = transport.connect(in -> in.flatMap(m -> {
      received(m);
      return Mono.<McpSchema.JSONRPCMessage>empty();
    })).cache();
  }

  @Override public McpJsonMapper mapper() {
    return mapper;
  }

  @Override public Mono<Map<String, Object>> request(String method, String name, Map<String, Object> params,
                                                     Map<String, String> extraHeaders, Consumer<Map<String, Object>> notifications) {
    return connected.then(Mono.create(sink -> {
      long id = ids.incrementAndGet();
      String key = String.valueOf(id);
      Map<String, Object> body = StatelessHttpClient.body(id, method, params);
      Object token = params != null && params.get("_meta") instanceof Map<?, ?> meta ? meta.get("progressToken") : null;
      pending.put(key, new Pending(sink, notifications == null ? n -> { } : notifications, token == null ? null : String.valueOf(token)));
      sink.onDispose(() -> {
        // still pending when disposed: the caller gave up (cancel, timeout); answered ones were removed first
        if (pending.remove(key) != null) cancel(id);
      });
      transport.sendMessage(new McpSchema.JSONRPCRequest(McpSchema.JSONRPC_VERSION, method, id, body.get("params")))
          .subscribe(v -> { }, err -> {
            if (pending.remove(key) != null) sink.error(err);
          });
    }));
  }

  @SuppressWarnings("unchecked")
  private void received(McpSchema.JSONRPCMessage m) {
    if (m instanceof McpSchema.JSONRPCResponse r) {
      Pending p = pending.remove(String.valueOf(r.id()));
      if (p == null) return;
      if (r.error() != null) {
        p.sink().error(new StatelessHttpClient.RpcError(0, r.error().code(), r.error().message(), r.error().data()));
      } else {
        p.sink().success(r.result() instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of());
      }
    } else if (m instanceof McpSchema.JSONRPCNotification n) {
      Object token = n.params() instanceof Map<?, ?> params ? params.get("progressToken") : null;
      Map<String, Object> msg = new LinkedHashMap<>();
      msg.put("method", n.method());
      msg.put("params", n.params());
      // list changes and resources/updated name the subscriptions/listen request they belong to
      Object sub = n.params() instanceof Map<?, ?> params && params.get("_meta") instanceof Map<?, ?> meta
          ? meta.get(SUBSCRIPTION_ID) : null;
      if (sub != null) {
        Pending p = pending.get(String.valueOf(sub));
        if (p != null) p.notifications().accept(msg);
        return;
      }
      if (token == null) return;
      pending.values().stream().filter(p -> String.valueOf(token).equals(p.progressToken())).forEach(p -> p.notifications().accept(msg));
    } else if (m instanceof McpSchema.JSONRPCRequest req) {
      transport.sendMessage(new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, req.id(), null,
          new McpSchema.JSONRPCResponse.JSONRPCError(-32601, "Method not found: " + req.method(), null))).subscribe(v -> { }, e -> { });
    }
  }

  private void cancel(long id) {
    transport.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, CancellableTransport.CANCELLED,
        Map.of("requestId", id, "reason", "cancelled by the client"))).subscribe(v -> { },
        err -> LOG.debug("notifications/cancelled for {} not sent: {}", id, McpErrors.message(err)));
  }

  /** Stops the process (stdin closed, then terminated); pending requests fail. */
  @Override public void close() {
    java.util.List<Pending> left = java.util.List.copyOf(pending.values());
    pending.clear();   // first: failing them below must not send cancellations to a closing process
    left.forEach(p -> p.sink().error(new IllegalStateException("the MCP server connection is closed")));
    try {
      transport.closeGracefully().block(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      transport.close();
    }
  }
}
