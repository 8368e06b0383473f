package dev.maestro.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusRequestHandler;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * Metrics and traces, alike in every service. Metrics: a Prometheus registry fed by Vert.x's own
 * binders (event bus, HTTP, pools), the JVM's (memory, GC, threads) and the services' meters
 * ({@link MetricNames}), served as {@code GET /metrics} on the service's own port, loopback by default.
 * Traces: only when {@value #OTLP_ENDPOINT} is set, an OpenTelemetry SDK exporting over OTLP/HTTP, with
 * the trace context carried in event-bus and HTTP headers, so one turn is one trace across the services.
 * Without it no tracer is installed at all: tracing off costs nothing.
 */
public final class Observability {
  private static final Logger LOG = LoggerFactory.getLogger(Observability.class);

  public static final String METRICS_HOST = "MAESTRO_METRICS_HOST";
  /** The gateway's port; session, provider, tool and auth take the next four. {@code 0} or {@code off}: no metrics. */
  public static final String METRICS_PORT = "MAESTRO_METRICS_PORT";
  /** OTLP/HTTP base URL of a collector (e.g. http://127.0.0.1:4318); spans go to its /v1/traces. */
  public static final String OTLP_ENDPOINT = "MAESTRO_OTLP_ENDPOINT";
  public static final int DEFAULT_METRICS_PORT = 9401;
  /** The order of the services' metrics ports from {@value #METRICS_PORT}: 9401–9405 by default. */
  public static final List<String> SERVICES = List.of("gateway", "session", "provider", "tool", "auth");

  /** What one service exposes: metricsPort -1 when metrics are off, otlpEndpoint null when tracing is off. */
  public record Settings(String service, String metricsHost, int metricsPort, String otlpEndpoint) {
    public boolean metrics() {
      return metricsPort >= 0;
    }

    public boolean tracing() {
      return otlpEndpoint != null;
    }

    /**
     * From the environment: {@code MAESTRO_<SERVICE>_METRICS_PORT} for one service, else
     * {@value #METRICS_PORT} plus the service's place in {@link #SERVICES}.
     */
    public static Settings from(String service, Function<String, String> env) {
      String host = blankToNull(env.apply(METRICS_HOST));
      String own = blankToNull(env.apply("MAESTRO_" + service.toUpperCase() + "_METRICS_PORT"));
      String base = blankToNull(env.apply(METRICS_PORT));
      int port;
      if (own != null) {
        port = off(own) ? -1 : parsePort("MAESTRO_" + service.toUpperCase() + "_METRICS_PORT", own);
      } else if (base != null && off(base)) {
        port = -1;
      } else {
        int first = base == null ? DEFAULT_METRICS_PORT : parsePort(METRICS_PORT, base);
        port = first + Math.max(0, SERVICES.indexOf(service));
      }
      return new Settings(service, host == null ? "127.0.0.1" : host, port, blankToNull(env.apply(OTLP_ENDPOINT)));
    }

    /** Metrics on any free loopback port (tests), tracing as given. */
    public static Settings forTest(String service, String otlpEndpoint) {
      return new Settings(service, "127.0.0.1", 0, otlpEndpoint);
    }

    private static boolean off(String v) {
      return v.equals("0") || v.equalsIgnoreCase("off");
    }

    private static int parsePort(String name, String v) {
      try {
        int p = Integer.parseInt(v.trim());
        if (p < 1 || p > 65535) throw new NumberFormatException();
        return p;
      } catch (NumberFormatException e) {
        throw new StartupException(name + " must be a port (1-65535), 0 or off; got '" + v + "'");
      }
    }

    private static String blankToNull(String v) {
      return v == null || v.isBlank() ? null : v.trim();
    }
  }

  private static final Map<Vertx, MeterRegistry> REGISTRIES = java.util.Collections.synchronizedMap(new WeakHashMap<>());
  private static final MeterRegistry NOOP = new CompositeMeterRegistry();

  private final Settings settings;
  private final PrometheusMeterRegistry registry;
  private final OpenTelemetrySdk openTelemetry;

  private Observability(Settings settings) {
    this.settings = settings;
    this.registry = settings.metrics() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
    if (registry != null) registry.config().commonTags("service", settings.service());
    this.openTelemetry = settings.tracing() ? sdk(settings) : null;
  }

  public static Observability of(Settings settings) {
    return new Observability(settings);
  }

  /** Adds metrics and tracing (as the settings say) to a Vert.x about to be built with these options. */
  public VertxBuilder applyTo(VertxBuilder builder, VertxOptions options) {
    if (registry != null) {
      // a registry name of its own: Vert.x keeps its registries by name, and several services may share a JVM (tests)
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
          .setRegistryName("maestro-" + settings.service() + "-" + java.util.UUID.randomUUID()));
      builder.withMetrics(new MicrometerMetricsFactory(registry));
    }
    if (openTelemetry != null) {
      options.setTracingOptions(new OpenTelemetryOptions());
      builder.withTracer(new OpenTelemetryTracingFactory(openTelemetry));
    }
    return builder.with(options);
  }

  /**
   * Serves {@code GET /metrics} (Prometheus text) for the built Vert.x, and makes its registry the one
   * {@link #registry(Vertx)} answers. A port already taken is logged, not fatal: the service runs without.
   * Answers the bound port (-1 when metrics are off or the port was taken).
   */
  public Future<Integer> serve(Vertx vertx) {
    if (registry == null) return Future.succeededFuture(-1);
    REGISTRIES.put(vertx, registry);
    if (openTelemetry != null) {
      // flushes the spans still batched when the service stops
      ((io.vertx.core.internal.VertxInternal) vertx).addCloseHook(p -> {
        openTelemetry.shutdown();
        p.succeed();
      });
    }
    // the scrape itself is not traced: it would fill every trace store with one span per scrape
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(settings.metricsHost()).setPort(settings.metricsPort())
        .setTracingPolicy(TracingPolicy.IGNORE));
    io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> scrape = PrometheusRequestHandler.create(registry);
    return server.requestHandler(req -> {
      if ("/metrics".equals(req.path())) scrape.handle(req);
      else req.response().setStatusCode(404).end();
    }).listen().map(s -> {
      LOG.info("{} metrics on http://{}:{}/metrics", settings.service(), settings.metricsHost(), s.actualPort());
      return s.actualPort();
    }).recover(e -> {
      LOG.warn("{} metrics not served: {}:{} cannot be bound ({}); set {} or {}", settings.service(), settings.metricsHost(),
          settings.metricsPort(), e.getMessage(), METRICS_PORT, "MAESTRO_" + settings.service().toUpperCase() + "_METRICS_PORT");
      return Future.succeededFuture(-1);
    });
  }

  /** Where a service records its meters: its Vert.x's registry, or one that keeps nothing when metrics are off. */
  public static MeterRegistry registry(Vertx vertx) {
    MeterRegistry r = REGISTRIES.get(vertx);
    return r == null ? NOOP : r;
  }

  /**
   * A context for work that goes on after a message was answered (a turn after its send was acknowledged):
   * the same event loop as the current context, holding the current trace for good. The tracer detaches a
   * message's trace when the message is answered, so without this the rest of the work would be in no
   * trace. With tracing off it is a plain duplicate of the current context.
   */
  public static io.vertx.core.Context continuingTrace(Vertx vertx) {
    io.vertx.core.internal.ContextInternal current = (io.vertx.core.internal.ContextInternal) vertx.getOrCreateContext();
    io.vertx.core.internal.ContextInternal duplicate = current.unwrap().duplicate();
    io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
    if (trace != io.opentelemetry.context.Context.root()) {
      io.vertx.tracing.opentelemetry.VertxContextStorageProvider.VertxContextStorage.INSTANCE.attach(duplicate, trace);
    }
    return duplicate;
  }

  private static OpenTelemetrySdk sdk(Settings settings) {
    String endpoint = settings.otlpEndpoint().replaceAll("/+$", "");
    if (!endpoint.endsWith("/v1/traces")) endpoint = endpoint + "/v1/traces";
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"),
        "maestro-" + settings.service())));
    SdkTracerProvider tracer = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(500)).build()).build();
    LOG.info("{} traces exported over OTLP to {}", settings.service(), endpoint);
    return OpenTelemetrySdk.builder().setTracerProvider(tracer)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
  }
}
