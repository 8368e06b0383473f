package dev.maestro.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Retries a start-up step (reaching PostgreSQL, Redis, ...) with a visible, capped exponential
 * backoff for a bounded time, then fails with one actionable line.
 */
public final class Retry {
  private static final Logger LOG = LoggerFactory.getLogger(Retry.class);

  private Retry() {}

  /**
   * @param what      e.g. "PostgreSQL at 127.0.0.1:5432"
   * @param variable  the variable a person changes to fix it, e.g. MAESTRO_PG_URL
   */
  public static <T> Future<T> atStartup(Vertx vertx, String what, String variable, int timeoutSeconds,
                                        Supplier<Future<T>> attempt) {
    Promise<T> promise = Promise.promise();
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    tryOnce(vertx, what, variable, timeoutSeconds, attempt, promise, deadline, 1, 250);
    return promise.future();
  }

  private static <T> void tryOnce(Vertx vertx, String what, String variable, int timeoutSeconds,
                                  Supplier<Future<T>> attempt, Promise<T> promise, long deadline, int n, long delayMs) {
    Future<T> f;
    try {
      f = attempt.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onSuccess(promise::complete).onFailure(err -> {
      if (!isTransient(err)) {  // a config or code error: retrying cannot help
        promise.fail(err instanceof StartupException ? err
            : new StartupException("cannot use " + what + ": " + describe(err) + " (check " + variable + ")", err));
        return;
      }
      long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
      if (remainingMs <= 0) {
        promise.fail(new StartupException(what + " is unreachable after " + timeoutSeconds + "s (" + describe(err)
            + "). Start it, or point " + variable + " at it (give up later with MAESTRO_STARTUP_TIMEOUT_SECONDS)."));
        return;
      }
      long wait = Math.min(delayMs, remainingMs);
      LOG.warn("waiting for {} ({}); attempt {} failed, retrying in {} ms (set by {})",
          what, describe(err), n, wait, variable);
      vertx.setTimer(Math.max(1, wait), t ->
          tryOnce(vertx, what, variable, timeoutSeconds, attempt, promise, deadline, n + 1, Math.min(delayMs * 2, 5_000)));
    });
  }

  /** Only an unreachable server is worth waiting for; wrong credentials or bugs fail at once. */
  static boolean isTransient(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
          || t instanceof java.net.SocketTimeoutException || t instanceof java.nio.channels.ClosedChannelException) {
        return true;
      }
      if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().equals("57P03"))) {
        return true;  // connection exception / the database is starting up
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("Connection refused") || m.contains("connection timed out") || m.contains("Connection reset")
          || m.contains("the database system is starting up")) {
        return true;
      }
    }
    return false;
  }

  /** A short human description: the innermost message, no class names when avoidable. */
  public static String describe(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    String msg = t.getMessage();
    if (msg == null || msg.isBlank()) msg = t.getClass().getSimpleName();
    return msg.replaceAll("\\s+", " ").trim();
  }
}
