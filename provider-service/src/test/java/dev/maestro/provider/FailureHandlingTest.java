package dev.maestro.provider;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.provider.support.Harness;
import dev.maestro.provider.support.StreamHandle;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeRequest;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Retries (Retry-After, backoff, never after the first delta), the circuit breaker, cancel, cuts,
 * timeouts and the OAuth refresh-once rule, over real HTTP against the fake upstream. Each test
 * has its own fake (own port, so its own breaker).
 */
class FailureHandlingTest {
  static Harness h;

  static final String[] PROVIDERS = {"anthropic", "openai", "openai-responses", "gemini", "openai-compatible"};

  @BeforeAll
  static void setUp() throws Exception {
    h = Harness.start(new JsonObject()
        .put(ProviderSettings.MAX_RETRIES, "2")
        .put(ProviderSettings.RETRY_BASE_MS, "20")
        .put(ProviderSettings.RETRY_MAX_MS, "100")
        .put(ProviderSettings.BREAKER_MAX_FAILURES, "3")
        .put(ProviderSettings.BREAKER_RESET_MS, "600")
        .put(ProviderSettings.FIRST_BYTE_TIMEOUT_MS, "1500")
        .put(ProviderSettings.IDLE_TIMEOUT_MS, "1500"));
    // warm up (class loading, JIT) so a cold first request cannot hit the short timeouts used here
    FakeUpstream warm = h.fake();
    for (String p : new String[] {"anthropic", "openai", "gemini"}) {
      h.stream(request(p, h.credential(p, warm), "warm up")).awaitEnd();
    }
    warm.close();
  }

  @AfterAll
  static void tearDown() throws Exception {
    h.close();
  }

  /** "openai-responses" is provider openai with the Responses API. */
  private static JsonObject request(String target, String cred, String text) {
    boolean responses = target.equals("openai-responses");
    String provider = responses ? "openai" : target;
    String model = switch (provider) {
      case "anthropic" -> "claude-sonnet-4-5";
      case "gemini" -> "gemini-2.5-flash";
      default -> "gpt-4o";
    };
    JsonObject req = Harness.request(provider, cred, model, text);
    if (responses) req.put("extras", new JsonObject().put("openaiApi", "responses"));
    return req;
  }

  private static String provider(String target) {
    return target.equals("openai-responses") ? "openai" : target;
  }

  private static void waitUntil(BooleanSupplier cond, Duration max) {
    await().atMost(max).pollInterval(Duration.ofMillis(10)).until(cond::getAsBoolean);
  }

  /**
   * Runs a control stream whose first attempt fails retryably, started now, and waits until its retry has
   * arrived: any retry scheduled earlier with the same backoff would have arrived by then too, so a
   * "no further request" check made afterwards cannot pass just because it looked too early.
   */
  private static void awaitAControlRetry(FakeReply firstAnswer, Duration max) throws Exception {
    FakeUpstream control = h.fake();
    control.enqueue(firstAnswer);
    StreamHandle c = h.stream(request("anthropic", h.credential("anthropic", control), "control"));
    c.awaitEnd(max);
    assertThat(control.requests()).as("the control stream was retried").hasSize(2);
    assertThat(c.text()).isEqualTo("Echo: control");
    control.close();
  }

  private static long terminals(StreamHandle s) {
    return s.events.stream().filter(e -> e.getString("type").equals("done") || e.getString("type").equals("error")).count();
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic", "openai", "gemini"})
  void a429IsRetriedAfterTheDelayTheProviderAskedFor(String target) throws Exception {
    FakeUpstream fake = h.fake();
    fake.enqueue(FakeReply.error(429).retryAfter("1"));
    StreamHandle s = h.stream(request(target, h.credential(provider(target), fake), "hello"));
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Echo: hello");
    assertThat(s.last().getString("type")).isEqualTo("done");
    List<FakeRequest> reqs = fake.requests();
    assertThat(reqs).hasSize(2);
    // the backoff alone would be ~20 ms: only the provider's 1 s (header, or RetryInfo on Gemini) explains this gap
    assertThat(Duration.ofNanos(reqs.get(1).receivedAtNanos() - reqs.get(0).receivedAtNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    fake.close();
  }

  @Test
  void overloadAndUnavailableAreRetriedWithBackoffThenGiveUp() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential("anthropic", fake);
    fake.enqueue(FakeReply.error(529)).enqueue(FakeReply.error(503));
    StreamHandle ok = h.stream(request("anthropic", cred, "hello"));
    ok.awaitEnd();
    assertThat(ok.last().getString("type")).isEqualTo("done");
    assertThat(fake.requests()).hasSize(3);

    FakeUpstream fake2 = h.fake();
    String cred2 = h.credential("anthropic", fake2);
    fake2.enqueue(FakeReply.error(529)).enqueue(FakeReply.error(529)).enqueue(FakeReply.error(529));
    StreamHandle failed = h.stream(request("anthropic", cred2, "hello"));
    failed.awaitEnd();
    assertThat(failed.events).hasSize(1);
    assertThat(failed.last().getString("code")).isEqualTo(ProviderEvents.OVERLOADED);
    assertThat(fake2.requests()).hasSize(3); // 1 + MAX_RETRIES
    fake.close();
    fake2.close();
  }

  @Test
  void quotaExhaustedIsNotRetried() throws Exception {
    FakeUpstream fake = h.fake();
    fake.enqueue(FakeReply.error(429).errorType("insufficient_quota").message("You exceeded your current quota"));
    StreamHandle s = h.stream(request("openai", h.credential("openai", fake), "hello"));
    s.awaitEnd();
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.RATE_LIMITED);
    assertThat(fake.requests()).hasSize(1);
    fake.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic", "openai", "openai-responses", "gemini"})
  void nothingIsRetriedOnceADeltaWasForwarded(String target) throws Exception {
    FakeUpstream fake = h.fake();
    fake.enqueue(FakeReply.stream(FakeTurn.create().text("a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8"))
        .midStreamError(6, "overloaded"));
    StreamHandle s = h.stream(request(target, h.credential(provider(target), fake), "hello"));
    s.awaitEnd();
    assertThat(s.ofType("text")).isNotEmpty();
    assertThat(s.text()).doesNotContain("Echo");
    assertThat(s.last().getString("type")).isEqualTo("error");
    assertThat(s.last().getString("code")).isIn(ProviderEvents.OVERLOADED, ProviderEvents.UPSTREAM_UNAVAILABLE);
    // a retry would have been scheduled ~20 ms after the failure; a control stream's retry shows that time passed
    awaitAControlRetry(FakeReply.stream(FakeTurn.create().text("never", "sent")).midStreamError(1, "overloaded"),
        Duration.ofSeconds(5));
    assertThat(fake.requests()).hasSize(1);
    assertThat(terminals(s)).isEqualTo(1);
    fake.close();
  }

  @Test
  void anInStreamErrorBeforeAnyDeltaIsRetried() throws Exception {
    FakeUpstream fake = h.fake();
    // Anthropic: message_start, then event: error overloaded_error (HTTP status was 200)
    fake.enqueue(FakeReply.stream(FakeTurn.create().text("never", "sent")).midStreamError(1, "overloaded"));
    StreamHandle s = h.stream(request("anthropic", h.credential("anthropic", fake), "hello"));
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Echo: hello");
    assertThat(fake.requests()).hasSize(2);
    fake.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic", "openai", "openai-responses", "gemini"})
  void aStreamCutMidwayEndsWithAnErrorAfterTheDeltasAlreadySent(String target) throws Exception {
    FakeUpstream fake = h.fake();
    fake.enqueue(FakeReply.stream(FakeTurn.create().text("a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8")).cutAfterEvents(6));
    StreamHandle s = h.stream(request(target, h.credential(provider(target), fake), "hello"));
    s.awaitEnd(Duration.ofSeconds(5));
    assertThat(s.ofType("text")).isNotEmpty();
    assertThat(s.last().getString("type")).isEqualTo("error");
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.UPSTREAM_UNAVAILABLE);
    assertThat(fake.requests()).hasSize(1);
    fake.close();
  }

  @Test
  void theCircuitBreakerOpensFailsFastAndClosesAgain() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential("openai", fake);
    for (int i = 0; i < 3; i++) fake.enqueue(FakeReply.error(500));
    StreamHandle first = h.stream(request("openai", cred, "hello"));
    first.awaitEnd();
    assertThat(first.last().getString("code")).isEqualTo(ProviderEvents.UPSTREAM_UNAVAILABLE);
    assertThat(fake.requests()).hasSize(3);

    long openedAt = System.nanoTime();
    StreamHandle fast = h.stream(request("openai", cred, "hello"));
    fast.awaitEnd();
    assertThat(fast.last().getString("code")).isEqualTo(ProviderEvents.UPSTREAM_UNAVAILABLE);
    assertThat(fast.last().getString("message")).contains("circuit open");
    assertThat(fake.requests()).hasSize(3); // failed fast: the provider was not called

    // after the reset timeout one trial request goes through (half-open) and success closes it
    waitUntil(() -> System.nanoTime() - openedAt > TimeUnit.MILLISECONDS.toNanos(650), Duration.ofSeconds(2));
    StreamHandle trial = h.stream(request("openai", cred, "hello"));
    trial.awaitEnd();
    assertThat(trial.last().getString("type")).isEqualTo("done");
    StreamHandle after = h.stream(request("openai", cred, "again"));
    after.awaitEnd();
    assertThat(after.text()).isEqualTo("Echo: again");
    assertThat(fake.requests()).hasSize(5);
    fake.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic", "openai", "openai-responses", "gemini", "openai-compatible"})
  void cancelClosesTheUpstreamSocketWithin100ms(String target) throws Exception {
    FakeUpstream fake = h.fake();
    StreamHandle s = h.stream(request(target, h.credential(provider(target), fake), "a slow one please"));
    waitUntil(() -> !s.ofType("text").isEmpty(), Duration.ofSeconds(5));
    FakeRequest upstream = fake.lastRequest();
    assertThat(upstream.connectionClosed().isComplete()).isFalse();
    long t0 = System.nanoTime();
    h.service.cancel(s.streamId).await(5, TimeUnit.SECONDS);
    long closedAt = upstream.connectionClosed().await(2, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(closedAt - t0)).isLessThan(Duration.ofMillis(100));
    s.awaitEnd(Duration.ofSeconds(2));
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.CANCELLED);
    int count = s.events.size();
    // the slow stream would send a chunk every 150 ms: wait until a second slow stream got two more
    StreamHandle control = h.stream(request(target, h.credential(provider(target), fake), "another slow one"));
    waitUntil(() -> !control.ofType("text").isEmpty(), Duration.ofSeconds(5));
    int controlChunks = control.ofType("text").size();
    waitUntil(() -> control.ofType("text").size() >= controlChunks + 2, Duration.ofSeconds(5));
    assertThat(s.events).hasSize(count);
    h.service.cancel(control.streamId).await(5, TimeUnit.SECONDS);
    assertThat(terminals(s)).isEqualTo(1);
    // cancelling again (or an unknown stream) is a harmless no-op
    h.service.cancel(s.streamId).await(5, TimeUnit.SECONDS);
    fake.close();
  }

  @Test
  void cancelDuringARetryBackoffEndsAtOnceWithoutAnotherRequest() throws Exception {
    FakeUpstream fake = h.fake();
    fake.enqueue(FakeReply.error(429).retryAfter("3"));
    RetryLog retryLog = new RetryLog("in 3000 ms");
    StreamHandle s = h.stream(request("anthropic", h.credential("anthropic", fake), "hello"));
    waitUntil(() -> fake.requests().size() == 1, Duration.ofSeconds(5));
    retryLog.awaitBackoff(); // the 429 answer arrived and the 3 s backoff started
    long t0 = System.nanoTime();
    h.service.cancel(s.streamId).await(5, TimeUnit.SECONDS);
    s.awaitEnd(Duration.ofSeconds(2));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    assertThat(s.events).hasSize(1);
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.CANCELLED);
    // a control stream started after the cancel, with the same 3 s backoff, was retried: so would this one have been
    awaitAControlRetry(FakeReply.error(429).retryAfter("3"), Duration.ofSeconds(8));
    assertThat(fake.requests()).hasSize(1);
    retryLog.close();
    fake.close();
  }

  /** Watches StreamCall's "retry N/M in D ms" log line: the moment a backoff timer is set. */
  private static final class RetryLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger(StreamCall.class);
    private final Level levelBefore = logger.getLevel();
    private final String delay;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    RetryLog(String delay) {
      this.delay = delay;
      if (!logger.isInfoEnabled()) logger.setLevel(Level.INFO);
      start();
      logger.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
      lines.add(e.getFormattedMessage());
    }

    void awaitBackoff() {
      await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("retry 1/") && l.contains(delay)));
    }

    @Override
    public void close() {
      logger.detachAppender(this);
      logger.setLevel(levelBefore);
      stop();
    }
  }

  @Test
  void aStreamCanBeCancelledThroughTheNodesCancelAddressFromAnyNode() throws Exception {
    FakeUpstream fake = h.fake();
    StreamHandle s = h.stream(request("gemini", h.credential("gemini", fake), "slow please"));
    waitUntil(() -> !s.ofType("text").isEmpty(), Duration.ofSeconds(5));
    // what ProviderService.cancel does when the stream runs on another provider-service node
    h.vertx.eventBus().publish(ProviderEvents.CANCEL_ADDRESS, ProviderEvents.cancelRequest(s.streamId));
    s.awaitEnd(Duration.ofSeconds(2));
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.CANCELLED);
    fake.lastRequest().connectionClosed().await(2, TimeUnit.SECONDS);
    fake.close();
  }

  @Test
  void aFirstByteTimeoutIsRetried() throws Exception {
    FakeUpstream fake = h.fake();
    fake.enqueue(FakeReply.stream(FakeTurn.create().text("late")).headersDelayMs(3500));
    StreamHandle s = h.stream(request("anthropic", h.credential("anthropic", fake), "hello"));
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Echo: hello");
    assertThat(fake.requests()).hasSize(2);
    fake.close();
  }

  @Test
  void anIdleStreamEndsWithTimeoutAfterItsDeltas() throws Exception {
    FakeUpstream fake = h.fake();
    // role chunk + "one" at once, then silence longer than the idle timeout
    fake.enqueue(FakeReply.stream(FakeTurn.create().text("one", "two", "three")).stallAfterEvents(2, 4000));
    StreamHandle s = h.stream(request("openai", h.credential("openai", fake), "hello"));
    s.awaitEnd(Duration.ofSeconds(8));
    assertThat(s.text()).isEqualTo("one");
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.TIMEOUT);
    assertThat(fake.requests()).hasSize(1);
    fake.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic", "openai", "gemini"})
  void anOAuth401RefreshesOnceAndRetries(String target) throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential(target, fake, "bad-expired-token", "bearer");
    h.auth.onRefresh(cred, "fresh-token");
    int before = h.auth.refreshes.get();
    StreamHandle s = h.stream(request(target, cred, "hello"));
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Echo: hello");
    assertThat(h.auth.refreshes.get() - before).isEqualTo(1);
    List<FakeRequest> reqs = fake.requests();
    assertThat(reqs).hasSize(2);
    assertThat(reqs.get(1).header("authorization")).isEqualTo("Bearer fresh-token");
    if (target.equals("anthropic")) {
      assertThat(reqs.get(1).header("anthropic-beta")).contains("oauth-2025-04-20");
      assertThat(reqs.get(1).header("x-api-key")).isNull();
    }
    fake.close();
  }

  @Test
  void aSecond401AfterTheRefreshIsAuthFailed() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential("anthropic", fake, "bad-expired", "bearer");
    h.auth.onRefresh(cred, "bad-still");
    int before = h.auth.refreshes.get();
    StreamHandle s = h.stream(request("anthropic", cred, "hello"));
    s.awaitEnd();
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.AUTH_FAILED);
    assertThat(h.auth.refreshes.get() - before).isEqualTo(1);
    assertThat(fake.requests()).hasSize(2);

    String apiKey = h.credential("anthropic", fake, "bad-api-key", "api_key");
    StreamHandle k = h.stream(request("anthropic", apiKey, "hello"));
    k.awaitEnd();
    assertThat(k.last().getString("code")).isEqualTo(ProviderEvents.AUTH_FAILED);
    assertThat(h.auth.refreshes.get() - before).isEqualTo(1); // API keys are never "refreshed"
    fake.close();
  }

  @Test
  void anUnreachableEndpointIsUpstreamUnavailable() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential("openai-compatible", fake);
    fake.close().await(5, TimeUnit.SECONDS);
    StreamHandle s = h.stream(request("openai-compatible", cred, "hello"));
    s.awaitEnd(Duration.ofSeconds(5));
    assertThat(s.events).hasSize(1);
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.UPSTREAM_UNAVAILABLE);
    assertThat(s.last().getString("message")).contains("cannot reach");
  }

  @Test
  void badRequestsAreRejectedUpFrontAndUnknownCredentialsEndTheStream() throws Exception {
    JsonObject invalid = new JsonObject().put("provider", "nope").put("messages", new JsonArray());
    assertThatThrownBy(() -> h.service.stream(invalid, "test.x", "s1").await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
          assertThat(e.getDebugInfo().getJsonArray("errors").encode()).contains("provider", "credentialId", "model", "messages");
        });
    StreamHandle s = h.stream(request("anthropic", "no-such-credential", "hello"));
    s.awaitEnd();
    assertThat(s.events).hasSize(1);
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.AUTH_FAILED);

    FakeUpstream fake = h.fake();
    String compatibleWithoutUrl = "cred-no-url";
    h.auth.put(compatibleWithoutUrl, "openai-compatible", null, "k", "api_key");
    StreamHandle n = h.stream(request("openai-compatible", compatibleWithoutUrl, "hello"));
    n.awaitEnd();
    assertThat(n.last().getString("code")).isEqualTo(ProviderEvents.BAD_REQUEST);
    assertThat(n.last().getString("message")).contains("baseUrl");
    fake.close();
  }
}
