package dev.maestro.platform;

import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one failure policy: generic message with a ref for anything unexpected, nothing internal ever shown. */
class ServiceFailuresTest {
  static final String GENERIC = "internal error, see the service log \\(ref [0-9a-f]{8}\\)";

  static void noInternals(String text) {
    assertThat(text).doesNotContain("Exception").doesNotContain("java.").doesNotContain("io.vertx").doesNotContain("org.postgresql")
        .doesNotContain("\tat ");
  }

  @Test
  void anUnexpectedFailureBecomesA500WithARefAndNoClassName() {
    ServiceException e = ServiceFailures.internal("auth-service",
        new IllegalStateException("io.vertx.pgclient.PgException: invalid byte sequence for encoding \"UTF8\": 0x00"));
    assertThat(e.failureCode()).isEqualTo(500);
    assertThat(e.getMessage()).matches(GENERIC);
    assertThat(e.getMessage()).contains(e.getDebugInfo().getString("ref"));
    noInternals(e.getMessage());
    noInternals(e.getDebugInfo().encode());
  }

  @Test
  void aDatabaseThatCannotBeReachedIsA503WithTheSameGenericMessage() {
    ServiceException e = ServiceFailures.internal("session-service", new java.net.ConnectException("Connection refused: /127.0.0.1:5432"));
    assertThat(e.failureCode()).isEqualTo(503);
    assertThat(e.getMessage()).startsWith("session-service is unavailable, ").containsPattern(GENERIC);
    noInternals(e.getMessage());
  }

  @Test
  void deliberateFailuresPassUnchanged() {
    ServiceException mine = new ServiceException(404, "credential not found");
    assertThat(ServiceFailures.internal("x", mine)).isSameAs(mine);
    assertThat(ServiceFailures.internal("x", new ReplyException(ReplyFailure.NO_HANDLERS, "no handler for address maestro.auth")).failureCode()).isEqualTo(503);
    assertThat(ServiceFailures.internal("x", new ReplyException(ReplyFailure.TIMEOUT, "Timed out after waiting 30000(ms)")).failureCode()).isEqualTo(504);
    ServiceException remote4xx = ServiceFailures.internal("x", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "already running"));
    assertThat(remote4xx.failureCode()).isEqualTo(409);
    assertThat(remote4xx.getMessage()).isEqualTo("already running");
    ServiceException remote5xx = ServiceFailures.internal("x", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 500, "java.lang.NullPointerException"));
    assertThat(remote5xx.getMessage()).matches(GENERIC);
  }

  interface Echo {
    Future<String> say(String what);

    Future<String> explode();

    Future<String> failLoudly();
  }

  @Test
  void aGuardedServiceAnswersThrownAndFailedFuturesWithThePolicy() {
    Echo raw = new Echo() {
      public Future<String> say(String what) {
        return Future.succeededFuture(what);
      }

      public Future<String> explode() {
        throw new NullPointerException("Cannot invoke \"String.length()\" because \"x\" is null");
      }

      public Future<String> failLoudly() {
        return Future.failedFuture(new ClassCastException("class io.vertx.core.json.JsonArray cannot be cast to class java.lang.String"));
      }
    };
    Echo echo = ServiceFailures.guarded(Echo.class, raw, "echo-service");
    assertThat(echo.say("hi").result()).isEqualTo("hi");
    for (Future<String> f : java.util.List.of(echo.explode(), echo.failLoudly())) {
      assertThat(f.failed()).isTrue();
      assertThat(f.cause()).isInstanceOf(ServiceException.class);
      assertThat(((ServiceException) f.cause()).failureCode()).isEqualTo(500);
      assertThat(f.cause().getMessage()).matches(GENERIC);
    }
  }

  @Test
  void theEdgeHidesInternalsThatAServiceLetThrough() {
    // what auth-service answered before the policy: 503 naming the driver's exception class
    JsonObject p = ServiceFailures.toProblem(new ServiceException(503, "auth-service could not complete the request (PgException)"));
    assertThat(p.getInteger("status")).isEqualTo(503);
    assertThat(p.getString("detail")).matches(GENERIC);
    // what session-service answered: 503 with the raw driver message
    JsonObject raw = ServiceFailures.toProblem(new ServiceException(503,
        "session 1: io.vertx.pgclient.PgException: ERROR: unsupported Unicode escape sequence (22P05)"));
    assertThat(raw.getString("detail")).matches(GENERIC);
    // the service-proxy's own wrapping of a stray exception (code -1, raw message)
    JsonObject stray = ServiceFailures.toProblem(new ServiceException(-1, "java.lang.IllegalStateException: boom"));
    assertThat(stray.getInteger("status")).isEqualTo(500);
    assertThat(stray.getString("detail")).matches(GENERIC);
    JsonObject plain = ServiceFailures.toProblem(new RuntimeException("io.netty.channel.StacklessClosedChannelException"));
    assertThat(plain.getString("detail")).matches(GENERIC);
    for (JsonObject x : java.util.List.of(p, raw, stray, plain)) noInternals(x.encode());
  }

  @Test
  void deliberateMessagesAreKept() {
    assertThat(ServiceFailures.toProblem(new ServiceException(400, "title: must not contain NUL")).getString("detail"))
        .isEqualTo("title: must not contain NUL");
    assertThat(ServiceFailures.toProblem(new ServiceException(502, "anthropic 529: Overloaded")).getString("detail"))
        .isEqualTo("anthropic 529: Overloaded");
    assertThat(ServiceFailures.toProblem(new ServiceException(503, "a service is not running")).getString("detail"))
        .isEqualTo("a service is not running");
  }
}
