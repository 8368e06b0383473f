package dev.maestro.platform;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * Per-hop stamps on text deltas, for {@code bench e2e --hops} only (issue 14's instrument: where along
 * provider → session → gateway a chunk's latency is spent). Off unless the service was started with
 * {@code MAESTRO_BENCH_HOP_STAMPS=true}; then provider-service puts {@value #PROVIDER} (epoch µs when it
 * decoded the chunk from the upstream) on the stream event and session-service carries it onto the
 * {@code delta} event with {@value #SESSION} (when the event reached the session), so a client sees both.
 * Off, nothing is added: the event shapes are the documented ones and cost nothing extra. Epoch
 * microseconds of the wall clock ({@link Instant#now()}, microsecond resolution on Linux), comparable
 * between processes on one host.
 */
public final class HopStamps {
  public static final String ENV = "MAESTRO_BENCH_HOP_STAMPS";
  public static final String PROVIDER = "hopProviderMicros";
  public static final String SESSION = "hopSessionMicros";

  private static final boolean ON = "true".equalsIgnoreCase(System.getenv(ENV));

  private HopStamps() {}

  public static boolean on() {
    return ON;
  }

  /** Epoch microseconds now. */
  public static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /** provider-service: stamps a stream event leaving for the session (when on). */
  public static JsonObject provider(JsonObject event) {
    return ON ? event.put(PROVIDER, nowMicros()) : event;
  }

  /** session-service: carries the provider's stamp onto the session event and adds its own (when on and stamped). */
  public static JsonObject session(JsonObject providerEvent, JsonObject sessionEvent, long receivedMicros) {
    if (ON && providerEvent.getValue(PROVIDER) instanceof Number p) {
      sessionEvent.put(PROVIDER, p.longValue()).put(SESSION, receivedMicros);
    }
    return sessionEvent;
  }
}
