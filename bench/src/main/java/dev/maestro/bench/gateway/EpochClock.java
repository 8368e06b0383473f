package dev.maestro.bench.gateway;

import java.time.Instant;

/**
 * One clock for the fake upstream's stamps and the clients' receive times: epoch microseconds,
 * anchored once to the wall clock and advanced by {@link System#nanoTime()} (monotonic).
 */
final class EpochClock {
  private static final long NANO_BASE;
  private static final long EPOCH_MICROS_BASE;

  static {
    Instant now = Instant.now();
    NANO_BASE = System.nanoTime();
    EPOCH_MICROS_BASE = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  private EpochClock() {}

  static long nowMicros() {
    return EPOCH_MICROS_BASE + (System.nanoTime() - NANO_BASE) / 1_000;
  }
}
