package dev.maestro.provider;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.provider.support.Harness;
import dev.maestro.provider.support.StreamHandle;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile provider output: a line without end (5 MiB of one SSE line) and a response without end
 * stop THAT turn with a provider error, drop its connection, and the next turn on the same endpoint
 * works. The line cap is the default (1 MiB); the response cap is lowered to 2 MiB here.
 */
class ResponseLimitsTest {
  static Harness h;
  static final int MIB = 1 << 20;

  @BeforeAll
  static void setUp() throws Exception {
    h = Harness.start(new JsonObject().put(ProviderSettings.MAX_RESPONSE_BYTES, String.valueOf(2 * MIB)));
  }

  @AfterAll
  static void tearDown() throws Exception {
    h.close();
  }

  private static JsonObject request(String provider, String cred, String text) {
    String model = switch (provider) {
      case "anthropic" -> "claude-sonnet-4-5";
      case "gemini" -> "gemini-2.5-flash";
      default -> "gpt-4o";
    };
    return Harness.request(provider, cred, model, text);
  }

  private static void waitUntil(BooleanSupplier cond, Duration max) {
    await().atMost(max).pollInterval(Duration.ofMillis(10)).until(cond::getAsBoolean);
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic", "openai", "gemini", "openai-compatible"})
  void aFiveMebibyteLineEndsThatTurnWithAProviderErrorAndTheNextTurnWorks(String provider) throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential(provider, fake);
    fake.enqueue(FakeReply.stream(FakeTurn.create().text("x".repeat(5 * MIB))));
    StreamHandle first = h.stream(request(provider, cred, "big"));
    first.awaitEnd(Duration.ofSeconds(30));
    assertThat(first.last().getString("type")).isEqualTo(ProviderEvents.ERROR);
    assertThat(first.last().getString("code")).isEqualTo(ProviderEvents.UPSTREAM_UNAVAILABLE);
    assertThat(first.last().getString("message")).contains("SSE line longer than " + MIB + " bytes");
    assertThat(first.text()).isEmpty();
    // the connection that carried the oversized line is closed, not pooled with unread bytes
    waitUntil(() -> fake.openConnections() == 0, Duration.ofSeconds(10));

    StreamHandle second = h.stream(request(provider, cred, "hello"));
    second.awaitEnd(Duration.ofSeconds(30));
    assertThat(second.last().getString("type")).isEqualTo(ProviderEvents.DONE);
    assertThat(second.text()).isEqualTo("Echo: hello");
    fake.close();
  }

  @Test
  void aResponseOverTheTotalCapEndsWithAProviderErrorAfterWhatWasAlreadyForwarded() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential("openai", fake);
    String[] chunks = new String[30];
    for (int i = 0; i < chunks.length; i++) chunks[i] = "y".repeat(100 * 1024);
    fake.enqueue(FakeReply.stream(FakeTurn.create().text(chunks)));
    StreamHandle first = h.stream(request("openai", cred, "many"));
    first.awaitEnd(Duration.ofSeconds(30));
    assertThat(first.last().getString("code")).isEqualTo(ProviderEvents.UPSTREAM_UNAVAILABLE);
    assertThat(first.last().getString("message")).contains("response longer than " + 2 * MIB + " bytes");
    assertThat(first.text().length()).isLessThanOrEqualTo(2 * MIB);
    waitUntil(() -> fake.openConnections() == 0, Duration.ofSeconds(10));

    StreamHandle second = h.stream(request("openai", cred, "hello"));
    second.awaitEnd(Duration.ofSeconds(30));
    assertThat(second.text()).isEqualTo("Echo: hello");
    fake.close();
  }

  @Test
  void aHugeErrorBodyIsReadOnlyUpToTheCapAndTheTurnStillEnds() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential("anthropic", fake);
    fake.enqueue(FakeReply.error(400).message("z".repeat(5 * MIB)));
    StreamHandle first = h.stream(request("anthropic", cred, "err"));
    first.awaitEnd(Duration.ofSeconds(30));
    assertThat(first.last().getString("type")).isEqualTo(ProviderEvents.ERROR);
    assertThat(first.last().getString("message").length()).isLessThan(2 * MIB);
    StreamHandle second = h.stream(request("anthropic", cred, "hello"));
    second.awaitEnd(Duration.ofSeconds(30));
    assertThat(second.text()).isEqualTo("Echo: hello");
    fake.close();
  }
}
