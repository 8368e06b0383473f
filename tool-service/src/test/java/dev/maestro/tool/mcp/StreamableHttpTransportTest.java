package dev.maestro.tool.mcp;

import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The edges of SSE resumption no real server shows on demand (the happy path is covered by
 * McpCancellationTest and the conformance `sse-retry` scenario): a stream that ends without the
 * response and without an event id, and a resumption the server refuses, fail the request at once
 * instead of leaving it to the request timeout (30 s here).
 */
class StreamableHttpTransportTest {
  static Vertx vertx;
  static HttpServer server;
  static final List<String> lastEventIds = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse res = req.response();
      if (req.method() == HttpMethod.GET) {
        String last = req.getHeader("Last-Event-ID");
        if (last != null) lastEventIds.add(last);
        res.setStatusCode(405).end();   // no GET streams here
        return;
      }
      if (req.method() == HttpMethod.DELETE) {
        res.end();
        return;
      }
      req.body().onSuccess(body -> {
        JsonObject msg = body.toJsonObject();
        res.putHeader("mcp-session-id", "s1");
        switch (msg.getString("method", "")) {
          case "initialize" -> res.putHeader("content-type", "application/json").end(new JsonObject().put("jsonrpc", "2.0")
              .put("id", msg.getValue("id")).put("result", new JsonObject().put("protocolVersion", "2025-11-25")
                  .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                  .put("serverInfo", new JsonObject().put("name", "edge").put("version", "1"))).encode());
          case "tools/call" -> {
            res.putHeader("content-type", "text/event-stream").setChunked(true);
            String tool = msg.getJsonObject("params").getString("name");
            // "no_id": a comment, then the stream ends; "refused": an id to resume from, but GET is 405.
            res.end("no_id".equals(tool) ? ": working\n\n" : "id: e-1\nretry: 100\ndata: \n\n");
          }
          default -> res.setStatusCode(202).end();
        }
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static McpAsyncClient client() {
    StreamableHttpTransport t = new StreamableHttpTransport(URI.create("http://127.0.0.1:" + server.actualPort() + "/mcp"),
        Map.of(), McpJsonDefaults.getMapper(), Duration.ofSeconds(5));
    McpAsyncClient c = McpClient.async(t).requestTimeout(Duration.ofSeconds(30)).build();
    c.initialize().block(Duration.ofSeconds(10));
    return c;
  }

  @Test
  void aStreamEndingWithoutResponseOrEventIdFailsTheCallAtOnce() {
    McpAsyncClient c = client();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> c.callTool(new McpSchema.CallToolRequest("no_id", Map.of())).block(Duration.ofSeconds(20)))
        .hasMessageContaining("no event id to resume from");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
    c.closeGracefully().block(Duration.ofSeconds(5));
  }

  @Test
  void aRefusedResumptionFailsTheCallAtOnce() {
    McpAsyncClient c = client();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> c.callTool(new McpSchema.CallToolRequest("refused", Map.of())).block(Duration.ofSeconds(20)))
        .hasMessageContaining("resuming its stream failed").hasMessageContaining("405");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(90L, 5000L);
    assertThat(lastEventIds).contains("e-1");
    c.closeGracefully().block(Duration.ofSeconds(5));
  }
}
