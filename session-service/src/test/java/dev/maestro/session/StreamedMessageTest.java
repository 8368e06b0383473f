package dev.maestro.session;

import dev.maestro.contracts.provider.ProviderEvents;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamedMessageTest {
  private final List<JsonObject> published = new ArrayList<>();
  private final StreamedMessage m = new StreamedMessage(new JsonObject().put("content", new JsonArray()), published::add);

  private static JsonObject ev(String type) {
    return new JsonObject().put("type", type);
  }

  @Test
  void textPiecesJoinInOnePartAndEachIsPublishedAsADelta() {
    m.accept(ev(ProviderEvents.TEXT).put("text", "Hel"));
    m.accept(ev(ProviderEvents.TEXT).put("text", "lo"));
    m.flush();
    JsonArray content = m.message.getJsonArray("content");
    assertThat(content).hasSize(1);
    assertThat(content.getJsonObject(0).getString("text")).isEqualTo("Hello");
    assertThat(published).extracting(e -> e.getString("type") + ":" + e.getString("text")).containsExactly("delta:Hel", "delta:lo");
  }

  @Test
  void aSignatureClosesTheThinkingBlockAndARedactedBlockStandsAlone() {
    m.accept(ev(ProviderEvents.THINKING).put("text", "hmm "));
    m.accept(ev(ProviderEvents.THINKING).put("text", "ok").put("signature", "sig1"));
    m.accept(ev(ProviderEvents.THINKING).put("text", "").put("redactedData", "opaque"));
    m.accept(ev(ProviderEvents.THINKING).put("text", "again"));
    m.accept(ev(ProviderEvents.TEXT).put("text", "answer"));
    m.close();
    JsonArray content = m.message.getJsonArray("content");
    assertThat(content).hasSize(4);
    assertThat(content.getJsonObject(0)).isEqualTo(new JsonObject().put("type", "thinking").put("text", "hmm ok").put("signature", "sig1"));
    assertThat(content.getJsonObject(1).getString("redactedData")).isEqualTo("opaque");
    assertThat(content.getJsonObject(2).getString("text")).isEqualTo("again");
    assertThat(content.getJsonObject(2).containsKey("signature")).isFalse();
    assertThat(content.getJsonObject(3).getString("text")).isEqualTo("answer");
    // nothing is published for the redacted block
    assertThat(published).extracting(e -> e.getString("type")).containsExactly("thinking_delta", "thinking_delta", "thinking_delta", "delta");
  }

  @Test
  void toolCallsArePartsOfTheirOwnWithTheirSignature() {
    m.accept(ev(ProviderEvents.TEXT).put("text", "let me look"));
    m.accept(ev(ProviderEvents.TOOL_CALL).put("id", "c1").put("name", "read_file").put("arguments", new JsonObject().put("path", "a"))
        .put("signature", "g1"));
    m.accept(ev(ProviderEvents.TOOL_CALL).put("id", "c2").put("name", "echo").put("arguments", "not an object"));
    List<JsonObject> calls = m.toolCalls();
    assertThat(calls).extracting(c -> c.getString("callId")).containsExactly("c1", "c2");
    assertThat(calls.get(0).getString("signature")).isEqualTo("g1");
    assertThat(calls.get(1).getJsonObject("arguments")).isEqualTo(new JsonObject());
    assertThat(m.message.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("let me look");
    assertThat(published.get(1).getString("type")).isEqualTo("tool_call");
  }
}
