package dev.maestro.platform;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObservabilityTest {
  static Observability.Settings settings(String service, String... env) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < env.length; i += 2) m.put(env[i], env[i + 1]);
    return Observability.Settings.from(service, m::get);
  }

  @Test
  void theFiveServicesTakeTheDocumentedPortsOnLoopbackAndNoneCollide() {
    assertThat(Observability.SERVICES.stream().map(s -> settings(s).metricsPort()))
        .containsExactly(9401, 9402, 9403, 9404, 9405);
    assertThat(settings("tool").metricsHost()).isEqualTo("127.0.0.1");
    assertThat(Observability.SERVICES.stream().map(s -> settings(s, "MAESTRO_METRICS_PORT", "19500").metricsPort()))
        .containsExactly(19500, 19501, 19502, 19503, 19504);
  }

  @Test
  void oneServiceCanBeMovedAndMetricsTurnedOff() {
    assertThat(settings("auth", "MAESTRO_AUTH_METRICS_PORT", "19999").metricsPort()).isEqualTo(19999);
    assertThat(settings("gateway", "MAESTRO_METRICS_HOST", "0.0.0.0").metricsHost()).isEqualTo("0.0.0.0");
    assertThat(settings("session", "MAESTRO_METRICS_PORT", "off").metrics()).isFalse();
    assertThat(settings("session", "MAESTRO_METRICS_PORT", "0").metrics()).isFalse();
    assertThat(settings("session", "MAESTRO_SESSION_METRICS_PORT", "off", "MAESTRO_METRICS_PORT", "19500").metrics()).isFalse();
    assertThatThrownBy(() -> settings("session", "MAESTRO_METRICS_PORT", "many")).isInstanceOf(StartupException.class)
        .hasMessageContaining("MAESTRO_METRICS_PORT");
  }

  @Test
  void tracingIsOnOnlyWithAnOtlpEndpoint() {
    assertThat(settings("session").tracing()).isFalse();
    assertThat(settings("session", "MAESTRO_OTLP_ENDPOINT", " ").tracing()).isFalse();
    assertThat(settings("session", "MAESTRO_OTLP_ENDPOINT", "http://127.0.0.1:4318").tracing()).isTrue();
  }

  @Test
  void withoutAnEndpointNoTracerIsInstalledAndMetricsAreScrapedFromTheServicesPort() throws Exception {
    Observability o = Observability.of(Observability.Settings.forTest("session", null));
    Vertx vertx = o.applyTo(Vertx.builder(), new VertxOptions()).build();
    try {
      assertThat(((VertxInternal) vertx).tracer()).isNull();
      int port = o.serve(vertx).await(10, TimeUnit.SECONDS);
      Counter.builder(MetricNames.TURNS_STARTED).register(Observability.registry(vertx)).increment();
      vertx.eventBus().consumer("x", m -> { });
      // the client held while in use: Vert.x closes an unreachable client, failing its request with "Pool closed"
      io.vertx.core.http.HttpClient client = vertx.createHttpClient();
      String text = client.request(HttpMethod.GET, port, "127.0.0.1", "/metrics")
          .compose(r -> r.send().compose(HttpClientResponse::body)).await(10, TimeUnit.SECONDS).toString();
      assertThat(text).containsPattern("(?m)^maestro_turns_started_total\\{service=\"session\"} 1.0")
          .contains("vertx_eventbus_handlers", "jvm_memory_used_bytes", "jvm_gc_live_data_size_bytes");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void metricsOffRecordsNothingAndServesNothing() throws Exception {
    Observability o = Observability.of(settings("tool", "MAESTRO_METRICS_PORT", "off"));
    Vertx vertx = o.applyTo(Vertx.builder(), new VertxOptions()).build();
    try {
      assertThat(o.serve(vertx).await(10, TimeUnit.SECONDS)).isEqualTo(-1);
      Counter c = Counter.builder(MetricNames.TURNS_STARTED).register(Observability.registry(vertx));
      c.increment();
      assertThat(c.count()).isZero();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTakenPortLeavesTheServiceRunningWithoutMetrics() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Observability o = Observability.of(new Observability.Settings("auth", "127.0.0.1", taken.getLocalPort(), null));
      Vertx vertx = o.applyTo(Vertx.builder(), new VertxOptions()).build();
      try {
        assertThat(o.serve(vertx).await(10, TimeUnit.SECONDS)).isEqualTo(-1);
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }
}
