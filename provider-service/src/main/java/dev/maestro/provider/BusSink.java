package dev.maestro.provider;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.StreamEventCodec;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Sends a stream's normalized events to its reply address (point-to-point, in order) and guarantees
 * exactly one terminal {@code done} / {@code error}, after which nothing more goes out. The events
 * travel in the binary {@link StreamEventCodec}, not as JSON text.
 */
final class BusSink {
  private final Vertx vertx;
  private final String address;
  private final String streamId;
  private final Runnable onTerminal;
  private boolean forwarded;
  private boolean terminated;
  /** This node's cluster id, sent with the first event only (null: not clustered, or sent). */
  private String node;

  BusSink(Vertx vertx, String address, String streamId, Runnable onTerminal) {
    this.vertx = vertx;
    this.address = address;
    this.streamId = streamId;
    this.onTerminal = onTerminal;
    this.node = dev.maestro.platform.DeadRequesterWatch.localNode(vertx);
  }

  String streamId() {
    return streamId;
  }

  /** True once anything was sent: from then on nothing may be retried. */
  boolean forwarded() {
    return forwarded;
  }

  boolean terminated() {
    return terminated;
  }

  void emit(JsonObject event) {
    if (terminated) return;
    forwarded = true;
    vertx.eventBus().send(address, event, options());
  }

  void done(String stopReason, String raw) {
    terminal(ProviderEvents.done(streamId, stopReason).put("rawStopReason", raw));
  }

  void error(String code, String message) {
    if (!terminated) errors(vertx, code).increment();
    terminal(ProviderEvents.error(streamId, code, message));
  }

  /** Provider errors by code ({@link dev.maestro.platform.MetricNames#PROVIDER_ERRORS}). */
  static io.micrometer.core.instrument.Counter errors(Vertx vertx, String code) {
    return io.micrometer.core.instrument.Counter.builder(dev.maestro.platform.MetricNames.PROVIDER_ERRORS)
        .description("provider streams ended in an error, by code").tag("code", code == null ? "unknown" : code)
        .register(dev.maestro.platform.Observability.registry(vertx));
  }

  /** The stable codes from zero, so /metrics shows them before the first error. */
  static void registerErrorCodes(Vertx vertx) {
    for (String code : java.util.List.of(ProviderEvents.AUTH_FAILED, ProviderEvents.RATE_LIMITED, ProviderEvents.OVERLOADED,
        ProviderEvents.CONTEXT_TOO_LONG, ProviderEvents.BAD_REQUEST, ProviderEvents.UPSTREAM_UNAVAILABLE, ProviderEvents.TIMEOUT,
        ProviderEvents.CANCELLED)) {
      errors(vertx, code);
    }
  }

  /** The codec's options; on the first event also who serves the stream (see ProviderEvents.NODE_HEADER). */
  private io.vertx.core.eventbus.DeliveryOptions options() {
    io.vertx.core.eventbus.DeliveryOptions o = StreamEventCodec.options();
    if (node != null) {
      o.addHeader(dev.maestro.contracts.provider.ProviderEvents.NODE_HEADER, node);
      node = null;
    }
    return o;
  }

  private void terminal(JsonObject event) {
    if (terminated) return;
    terminated = true;
    vertx.eventBus().send(address, event, options());
    onTerminal.run();
  }
}
