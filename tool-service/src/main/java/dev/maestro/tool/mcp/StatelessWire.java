package dev.maestro.tool.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import reactor.core.publisher.Mono;

import java.util.Map;
import java.util.function.Consumer;

/**
 * How requests of the stateless 2026-07-28 revision reach a server: each one stands alone and carries the
 * per-request metadata ({@link StatelessHttpClient#body}). Over Streamable HTTP ({@link StatelessHttpClient})
 * or a stdio process ({@link StatelessStdioClient}).
 */
interface StatelessWire {
  /**
   * One request; the Mono yields its {@code result}. {@code name}: the Mcp-Name value (HTTP only);
   * {@code extraHeaders}: Mcp-Param-* (HTTP only); notifications for this request go to {@code notifications}.
   * A JSON-RPC error fails it with {@link StatelessHttpClient.RpcError}. Disposing it cancels the request.
   */
  Mono<Map<String, Object>> request(String method, String name, Map<String, Object> params, Map<String, String> extraHeaders,
                                    Consumer<Map<String, Object>> notifications);

  default Mono<Map<String, Object>> request(String method, String name, Map<String, Object> params,
                                            Consumer<Map<String, Object>> notifications) {
    return request(method, name, params, Map.of(), notifications);
  }

  McpJsonMapper mapper();

  /** Ends what the wire holds open; blocking (call off the event loop). */
  default void close() { }
}
