package dev.maestro.tool.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import reactor.core.publisher.Mono;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Lets a tools/call be cancelled on the server, not just abandoned here. The SDK (1.1.5) neither sends
 * notifications/cancelled nor tells us the JSON-RPC id of a request, so this wrapper watches outgoing
 * tools/call requests and remembers their id under the progress token we give every call (our call
 * id); {@link #cancel} then sends {@code notifications/cancelled {requestId, reason}} on the same
 * transport. Works for every transport it wraps (stdio, Streamable HTTP, HTTP+SSE).
 * <p>It also serializes sends: the SDK's stdio transport emits into a Reactor sink right in
 * {@code sendMessage} and refuses ("Failed to enqueue message") a message sent while another thread
 * is sending, which concurrent calls, pings and cancellations would otherwise hit.
 * <p>And it keeps each tool's input schema as the server sent it ({@link #rawSchema}): the SDK's typed
 * schema keeps only type, properties, required, additionalProperties and $defs, dropping the rest of JSON
 * Schema 2020-12 ($schema, allOf/anyOf, if/then/else...) that the model must see (SEP-1613, SEP-2106).
 */
final class CancellableTransport implements McpClientTransport {
  static final String CANCELLED = "notifications/cancelled";
  /** Bound for calls cancelled before their request went out (their tokens wait here to stop it). */
  private static final int MAX_EARLY = 1000;

  private final McpClientTransport delegate;
  // Guarded by this: a cancel racing with the send of its request either finds the id or stops the send.
  private final Map<String, Object> requestIds = new ConcurrentHashMap<>();
  private final Set<String> cancelledEarly = ConcurrentHashMap.newKeySet();
  /** Ids of tools/list requests sent and not answered yet. */
  private final Set<Object> toolLists = ConcurrentHashMap.newKeySet();
  private final RawToolSchemas schemas = new RawToolSchemas();

  CancellableTransport(McpClientTransport delegate) {
    this.delegate = delegate;
  }

  /** The tool's input schema as the server last listed it, or null. */
  Map<String, Object> rawSchema(String tool) {
    return schemas.get(tool);
  }

  @Override
  public synchronized Mono<Void> sendMessage(JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCRequest r && McpSchema.METHOD_TOOLS_LIST.equals(r.method())) {
      if (toolLists.size() >= MAX_EARLY) toolLists.clear();   // requests never answered (timed out) do not pile up
      toolLists.add(String.valueOf(r.id()));
    }
    if (message instanceof McpSchema.JSONRPCRequest r && McpSchema.METHOD_TOOLS_CALL.equals(r.method())) {
      Object token = progressToken(r.params());
      if (token != null) {
        String key = String.valueOf(token);
        // Cancelled before it was even sent: do not start work the caller has given up on.
        if (cancelledEarly.remove(key)) return Mono.error(new CancellationException("call cancelled before it was sent"));
        requestIds.put(key, r.id());
      }
    }
    return delegate.sendMessage(message);
  }

  /**
   * Tells the server to stop the tools/call sent with this progress token. Claims the request id at
   * once (so a {@link #forget} right after cannot lose it); the returned Mono sends the notification.
   */
  synchronized Mono<Void> cancel(String progressToken, String reason) {
    Object id = requestIds.remove(progressToken);
    if (id == null) {
      if (cancelledEarly.size() < MAX_EARLY) cancelledEarly.add(progressToken);
      return Mono.empty();
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("requestId", id);
    if (reason != null) params.put("reason", reason);
    McpSchema.JSONRPCNotification n = new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, CANCELLED, params);
    return Mono.defer(() -> sendMessage(n));
  }

  /** The call finished normally: forget its request id. */
  void forget(String progressToken) {
    requestIds.remove(progressToken);
  }

  private static Object progressToken(Object params) {
    if (params instanceof McpSchema.Request req) return req.progressToken();
    if (params instanceof Map<?, ?> m && m.get("_meta") instanceof Map<?, ?> meta) return meta.get("progressToken");
    return null;
  }

  @Override
  public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
    return delegate.connect(in -> handler.apply(in.doOnNext(this::received)));
  }

  private void received(JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCResponse r && toolLists.remove(String.valueOf(r.id()))) schemas.keep(r.result());
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    delegate.setExceptionHandler(handler);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public Mono<Void> closeGracefully() {
    return delegate.closeGracefully();
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return delegate.unmarshalFrom(data, typeRef);
  }

  @Override
  public List<String> protocolVersions() {
    return delegate.protocolVersions();
  }
}
