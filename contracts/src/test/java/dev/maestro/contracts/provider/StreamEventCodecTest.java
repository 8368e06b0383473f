package dev.maestro.contracts.provider;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class StreamEventCodecTest {
  private final StreamEventCodec codec = new StreamEventCodec();

  /** Encoded after a prefix (as the bus does: the body starts at some offset) and decoded from there. */
  private JsonObject roundTrip(JsonObject event) {
    Buffer wire = Buffer.buffer("prefix");
    codec.encodeToWire(wire, event);
    return codec.decodeFromWire(6, wire);
  }

  private int wireLength(JsonObject event) {
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, event);
    return wire.length();
  }

  @Test
  void everyDeltaTypeSurvivesTheWireUnchanged() {
    String id = "0b3f6f0e-6a55-4d55-9b7e-2f3c1c1d2e3f";
    List<JsonObject> events = List.of(
        ProviderEvents.text(id, "Hel"),
        ProviderEvents.thinking(id, "let me think"),
        ProviderEvents.thinkingSignature(id, "sig=="),
        ProviderEvents.redactedThinking(id, "opaque"),
        ProviderEvents.toolCall(id, "call_1", "read_file", new JsonObject().put("path", "a.txt").put("n", 3)),
        ProviderEvents.toolCall(id, "call_2", "run", new JsonObject()).put("signature", "gemini-sig"),
        ProviderEvents.usage(id, 1200, 310, 7, 0),
        ProviderEvents.done(id, "end_turn").put("rawStopReason", "stop"),
        ProviderEvents.done(id, "other").put("rawStopReason", null),
        ProviderEvents.done(id, "end_turn"),
        ProviderEvents.error(id, ProviderEvents.RATE_LIMITED, "slow down"),
        ProviderEvents.error(id, ProviderEvents.OVERLOADED, "busy").put("retryAfter", 3),
        new JsonObject().put("streamId", id).put("type", "something_new").put("x", 1));
    for (JsonObject e : events) {
      assertThat(roundTrip(e)).as(e.encode()).isEqualTo(e);
      assertThat(roundTrip(e).fieldNames()).as("key order of " + e.encode()).containsExactlyElementsOf(e.fieldNames());
    }
  }

  @Test
  void theHotDeltasAreBinaryNotJsonText() {
    JsonObject text = ProviderEvents.text("s", "Hel");
    // tag + 2 length-prefixed strings: 1 + 4 + 1 + 4 + 3, against ~40 bytes of JSON
    assertThat(wireLength(text)).isEqualTo(13);
    assertThat(wireLength(ProviderEvents.usage("s", 1, 2, 3, 4))).isEqualTo(1 + 4 + 1 + 4 * 8);
  }

  @Test
  void unicodeEmptyAndLargeTextsAndNulls() {
    String unicode = "héllo wörld — 你好 \uD83D\uDE00 \u0000 \"quoted\" \\ \n\t";
    assertThat(roundTrip(ProviderEvents.text("s", unicode)).getString("text")).isEqualTo(unicode);
    assertThat(roundTrip(ProviderEvents.text("s", "")).getString("text")).isEmpty();
    assertThat(roundTrip(ProviderEvents.thinking("", "")).getString("streamId")).isEmpty();
    String large = "x".repeat(1 << 20) + "é";
    assertThat(roundTrip(ProviderEvents.text("s", large)).getString("text")).isEqualTo(large);
    JsonObject nullText = ProviderEvents.text("s", null);
    assertThat(roundTrip(nullText)).isEqualTo(nullText);
    assertThat(roundTrip(ProviderEvents.error("s", "timeout", null)).containsKey("message")).isTrue();
    JsonObject hugeUsage = ProviderEvents.usage("s", Long.MAX_VALUE, 0, -1, Integer.MAX_VALUE);
    assertThat(roundTrip(hugeUsage)).isEqualTo(hugeUsage);
  }

  @Test
  void aSendWithTheCodecArrivesAsTheSameEvent() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      StreamEventCodec.register(vertx);
      StreamEventCodec.register(vertx); // twice is harmless (both services may run in one JVM)
      CompletableFuture<JsonObject> got = new CompletableFuture<>();
      vertx.eventBus().<JsonObject>consumer("test.stream", m -> got.complete(m.body())).completion().await(10, TimeUnit.SECONDS);
      JsonObject sent = ProviderEvents.text("s", "hi");
      vertx.eventBus().send("test.stream", sent, StreamEventCodec.options());
      assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(ProviderEvents.text("s", "hi"));
    } finally {
      vertx.close();
    }
  }
}
