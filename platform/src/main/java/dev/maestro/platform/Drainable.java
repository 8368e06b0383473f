package dev.maestro.platform;

import io.vertx.core.Future;

/**
 * A service verticle that hands its work on before the process exits. {@link ServiceMain} calls
 * {@link #drain()} on SIGTERM, waits for it, then leaves the cluster and exits 0.
 */
public interface Drainable {
  /** Stops taking new work and hands on (or finishes) what runs; completes when nothing is left here. */
  Future<Void> drain();
}
