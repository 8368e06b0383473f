package dev.maestro.session;

import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.platform.MetricNames;
import dev.maestro.platform.Observability;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;

/** The session node's meters ({@link MetricNames}): turns started and ended by status, time to first token. */
final class SessionMetrics {
  private final MeterRegistry registry;
  private final Counter started;
  private final Timer firstToken;

  private SessionMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.started = Counter.builder(MetricNames.TURNS_STARTED).description("turns started").register(registry);
    this.firstToken = Timer.builder(MetricNames.TIME_TO_FIRST_TOKEN).description("from a turn's start to its first streamed token")
        .register(registry);
    // the usual endings from zero, so a rate() over them works before the first of each
    for (String status : List.of(SessionEvents.COMPLETE, SessionEvents.CANCELLED, SessionEvents.ERROR, SessionEvents.INTERRUPTED)) completed(status);
  }

  static SessionMetrics of(Vertx vertx) {
    return new SessionMetrics(Observability.registry(vertx));
  }

  MeterRegistry registry() {
    return registry;
  }

  void turnStarted() {
    started.increment();
  }

  void turnCompleted(String status) {
    completed(status).increment();
  }

  void firstToken(long sinceNanos) {
    firstToken.record(Duration.ofNanos(System.nanoTime() - sinceNanos));
  }

  private Counter completed(String status) {
    return Counter.builder(MetricNames.TURNS_COMPLETED).description("turns ended, by status").tag("status", status)
        .register(registry);
  }
}
