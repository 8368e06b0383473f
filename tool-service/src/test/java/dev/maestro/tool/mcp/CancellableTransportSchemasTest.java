package dev.maestro.tool.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 2025 path keeps tools' input schemas as the server sent them: the SDK's typed schema drops $schema,
 * allOf/anyOf, if/then/else and $anchor (SEP-1613, SEP-2106), which the model must still see; and arguments
 * holding Vert.x JSON go out as plain JSON.
 */
class CancellableTransportSchemasTest {
  /** A transport whose incoming messages the test feeds through the SDK's handler. */
  static final class Fake implements McpClientTransport {
    final AtomicReference<Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>>> handler = new AtomicReference<>();

    @Override public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> h) {
      handler.set(h);
      return Mono.empty();
    }
    @Override public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) { return Mono.empty(); }
    @Override public Mono<Void> closeGracefully() { return Mono.empty(); }
    @Override public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) { return McpJsonDefaults.getMapper().convertValue(data, typeRef); }
  }

  @Test
  void theServersSchemaOfAListedToolIsKeptWhole() {
    Fake fake = new Fake();
    CancellableTransport t = new CancellableTransport(fake);
    t.connect(m -> m).block(Duration.ofSeconds(5));
    t.sendMessage(new McpSchema.JSONRPCRequest("2.0", McpSchema.METHOD_TOOLS_LIST, "7", Map.of())).block(Duration.ofSeconds(5));
    Map<String, Object> result = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "s")
        .put("inputSchema", Stateless2026Server.SCHEMA_2020.copy()))).mapTo(Map.class);
    fake.handler.get().apply(Mono.just(new McpSchema.JSONRPCResponse("2.0", "7", result, null))).block(Duration.ofSeconds(5));
    assertThat(new JsonObject(t.rawSchema("s"))).isEqualTo(Stateless2026Server.SCHEMA_2020);

    // a response to anything but our tools/list is not taken for one
    Map<String, Object> other = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "x")
        .put("inputSchema", new JsonObject().put("type", "object")))).mapTo(Map.class);
    fake.handler.get().apply(Mono.just(new McpSchema.JSONRPCResponse("2.0", "8", other, null))).block(Duration.ofSeconds(5));
    assertThat(t.rawSchema("x")).isNull();
  }

  @Test
  void nestedVertxJsonIsWrittenAsJson() throws Exception {
    JsonObject args = new JsonObject().put("schema", new JsonObject().put("a", new JsonArray().add(new JsonObject().put("b", 1))));
    String written = McpJsonDefaults.getMapper().writeValueAsString(PlainJson.of(args));
    assertThat(new JsonObject(written)).isEqualTo(args);
    assertThat(PlainJson.value(args.getValue("schema"))).isInstanceOf(Map.class);
    assertThat(((Map<?, ?>) PlainJson.value(args.getValue("schema"))).get("a")).isInstanceOf(List.class);
  }
}
