package dev.maestro.system;

import com.google.protobuf.ByteString;
import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.gateway.GatewayVerticle;
import dev.maestro.platform.MetricNames;
import dev.maestro.provider.ProviderServiceVerticle;
import dev.maestro.session.SessionServiceVerticle;
import dev.maestro.testkit.TestEnv;
import dev.maestro.testkit.fake.FakeUpstream;
import dev.maestro.tool.ToolServiceVerticle;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 point 3, every service real and each on its own member as {@code ServiceMain} sets them up:
 * one turn sent through the gateway is one trace whose spans, received by an OTLP/HTTP receiver in this
 * test, come from gateway, session, provider, tool and auth and form one tree; and each service's
 * {@code /metrics} shows the documented names.
 */
class MetricsAndTracesEndToEndTest {
  record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name, String attributes) {}

  static final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  static final Map<String, Integer> metricsPorts = new LinkedHashMap<>();
  static ServiceNodes services;
  static Vertx client;
  static HttpServer otlp;
  static FakeUpstream upstream;
  static WebClient http;
  static int port;
  static String token;

  @BeforeAll
  static void startSystem() throws Exception {
    client = Vertx.vertx();
    otlp = client.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      if ("/v1/traces".equals(req.path())) receive(body);
      req.response().putHeader("Content-Type", "application/x-protobuf")
          .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    String endpoint = "http://127.0.0.1:" + otlp.actualPort();
    upstream = FakeUpstream.start(client, 0).await(20, TimeUnit.SECONDS);
    JsonObject config = TestEnv.config();
    TestEnv.ensureDatabase(client).await(30, TimeUnit.SECONDS);
    services = new ServiceNodes(config);
    for (String schema : List.of("gateway", "session", "auth", "tool", "provider")) {
      TestEnv.dropSchema(client, schema).await(30, TimeUnit.SECONDS);
    }
    metricsPorts.put("auth", services.deployObserved("auth", AuthServiceVerticle::new, endpoint));
    metricsPorts.put("provider", services.deployObserved("provider", ProviderServiceVerticle::new, endpoint));
    metricsPorts.put("tool", services.deployObserved("tool", ToolServiceVerticle::new, endpoint));
    metricsPorts.put("session", services.deployObserved("session", SessionServiceVerticle::new, endpoint));
    GatewayVerticle gateway = new GatewayVerticle();
    metricsPorts.put("gateway", services.deployObserved("gateway", () -> gateway, endpoint));
    port = gateway.actualPort();
    http = WebClient.create(client);
    token = services.adminToken(http, port, "observability");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    ServiceNodes.stop(services, client);
  }

  /** OTLP/HTTP protobuf, as the SDK's exporter sends it. */
  static void receive(Buffer body) {
    try {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.getBytes());
      for (ResourceSpans rs : request.getResourceSpansList()) {
        String service = rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
            .map(a -> a.getValue().getStringValue()).findFirst().orElse("?");
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            String attributes = s.getAttributesList().stream().map(a -> a.getKey() + "=" + value(a.getValue()))
                .collect(Collectors.joining(" "));
            spans.add(new ReceivedSpan(service, hex(s.getTraceId()), hex(s.getSpanId()), hex(s.getParentSpanId()), s.getName(),
                attributes));
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("not an OTLP trace export", e);
    }
  }

  static String value(AnyValue v) {
    return v.hasStringValue() ? v.getStringValue() : v.toString().trim();
  }

  static String hex(ByteString bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes.toByteArray()) sb.append(String.format("%02x", b));
    return sb.toString();
  }

  static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return http.post(port, "127.0.0.1", path).bearerTokenAuthentication(token).sendJsonObject(body).await(20, TimeUnit.SECONDS);
  }

  static JsonObject get(String path) throws Exception {
    return http.get(port, "127.0.0.1", path).bearerTokenAuthentication(token).send().await(20, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  @Test
  void oneTurnIsOneTraceAcrossTheFiveServicesAndEveryServiceShowsItsMetrics() throws Exception {
    HttpResponse<Buffer> cred = post("/api/v1/credentials", new JsonObject().put("provider", "openai").put("kind", "api_key")
        .put("label", "fake openai").put("apiKey", "sk-observed-secret-1234").put("baseUrl", upstream.openAiBaseUrl()));
    assertThat(cred.statusCode()).as(cred.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> session = post("/api/v1/sessions", new JsonObject().put("title", "observed").put("provider", "openai")
        .put("model", "gpt-4o-mini").put("credentialId", cred.bodyAsJsonObject().getString("id")));
    assertThat(session.statusCode()).as(session.bodyAsString()).isEqualTo(201);
    String sessionId = session.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> sent = post("/api/v1/sessions/" + sessionId + "/messages", new JsonObject().put("text", "trace me"));
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    Awaitility.await("the turn completes").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      JsonArray messages = get("/api/v1/sessions/" + sessionId).getJsonArray("messages");
      JsonObject last = messages.getJsonObject(messages.size() - 1);
      return "assistant".equals(last.getString("role")) && "complete".equals(last.getString("status"));
    });

    // the trace: the one started by the gateway for this send
    List<ReceivedSpan> turn = Awaitility.await("the turn's spans from all five services, as one tree")
        .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> turnTrace(sessionId), t -> {
          Set<String> ids = t.stream().map(ReceivedSpan::spanId).collect(Collectors.toSet());
          return t.stream().map(ReceivedSpan::service).collect(Collectors.toSet())
              .containsAll(List.of("maestro-gateway", "maestro-session", "maestro-provider", "maestro-tool", "maestro-auth"))
              && t.stream().allMatch(s -> s.parentSpanId().isEmpty() || ids.contains(s.parentSpanId()));
        });
    assertThat(turn.stream().map(ReceivedSpan::traceId).distinct()).hasSize(1);
    assertThat(turn.stream().filter(s -> s.parentSpanId().isEmpty())).as("one root").hasSize(1)
        .allSatisfy(root -> assertThat(root.service()).isEqualTo("maestro-gateway"));
    Set<String> ids = new HashSet<>();
    turn.forEach(s -> ids.add(s.spanId()));
    assertThat(turn).allSatisfy(s -> assertThat(s.parentSpanId().isEmpty() || ids.contains(s.parentSpanId()))
        .as("parent of %s present", s).isTrue());

    // the metrics: each service's own port, the documented names
    for (Map.Entry<String, Integer> e : metricsPorts.entrySet()) {
      HttpResponse<Buffer> scraped = http.get(e.getValue(), "127.0.0.1", "/metrics").send().await(10, TimeUnit.SECONDS);
      assertThat(scraped.statusCode()).isEqualTo(200);
      String text = scraped.bodyAsString();
      List<String> expected = new ArrayList<>(MetricNames.SCRAPED_BY_SERVICE.get(e.getKey()));
      expected.addAll(MetricNames.SCRAPED_EVERYWHERE);
      for (String name : expected) assertThat(text).as("%s /metrics", e.getKey()).containsPattern("(?m)^" + name + "(_count|_sum|_max)?[{ ]");
      assertThat(text).as("%s /metrics", e.getKey()).contains("service=\"" + e.getKey() + "\"");
    }
    String session1 = http.get(metricsPorts.get("session"), "127.0.0.1", "/metrics").send().await(10, TimeUnit.SECONDS).bodyAsString();
    assertThat(session1).containsPattern("(?m)^maestro_turns_started_total\\{[^}]*} [1-9]")
        .containsPattern("(?m)^maestro_turns_completed_total\\{[^}]*status=\"complete\"[^}]*} [1-9]")
        .containsPattern("(?m)^maestro_turn_first_token_seconds_count\\{[^}]*} [1-9]");
    String gateway1 = http.get(metricsPorts.get("gateway"), "127.0.0.1", "/metrics").send().await(10, TimeUnit.SECONDS).bodyAsString();
    assertThat(gateway1).containsPattern("(?m)^vertx_eventbus_sent_total\\{");
  }

  /** Every span of the trace whose gateway span carries the send's path. */
  static List<ReceivedSpan> turnTrace(String sessionId) {
    String traceId = spans.stream().filter(s -> s.service().equals("maestro-gateway")
            && s.attributes().contains("/api/v1/sessions/" + sessionId + "/messages"))
        .map(ReceivedSpan::traceId).findFirst().orElse(null);
    if (traceId == null) return List.of();
    return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
  }
}
