package dev.maestro.testkit.fake;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * A request the fake upstream received. {@link #connectionClosed()} completes with
 * {@code System.nanoTime()} when the TCP connection that carried it closes (cancel tests).
 */
public record FakeRequest(String wire, String method, String path, MultiMap params, MultiMap headers, JsonObject body,
                          long receivedAtNanos, Future<Long> connectionClosed) {
  public String header(String name) {
    return headers.get(name);
  }
}
