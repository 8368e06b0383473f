package dev.maestro.contracts.provider;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The stream events' exact shapes: every consumer (session-service, bench, tests) reads these fields. */
class ProviderEventsTest {
  @Test
  void everyEventCarriesItsStreamAndType() {
    assertThat(ProviderEvents.text("s1", "hi")).isEqualTo(new JsonObject().put("streamId", "s1").put("type", "text").put("text", "hi"));
    assertThat(ProviderEvents.thinking("s1", "hm")).isEqualTo(new JsonObject().put("streamId", "s1").put("type", "thinking").put("text", "hm"));
    assertThat(ProviderEvents.done("s1", "end_turn"))
        .isEqualTo(new JsonObject().put("streamId", "s1").put("type", "done").put("stopReason", "end_turn"));
    assertThat(ProviderEvents.error("s1", ProviderEvents.TIMEOUT, "slow"))
        .isEqualTo(new JsonObject().put("streamId", "s1").put("type", "error").put("code", "timeout").put("message", "slow"));
  }

  @Test
  void aThinkingBlockClosesWithAnEmptyTextAndItsSignatureOrRedactedData() {
    assertThat(ProviderEvents.thinkingSignature("s", "sig"))
        .isEqualTo(new JsonObject().put("streamId", "s").put("type", "thinking").put("text", "").put("signature", "sig"));
    assertThat(ProviderEvents.redactedThinking("s", "opaque"))
        .isEqualTo(new JsonObject().put("streamId", "s").put("type", "thinking").put("text", "").put("redactedData", "opaque"));
  }

  @Test
  void toolCallsAndUsageKeepEveryField() {
    JsonObject args = new JsonObject().put("path", "a.txt");
    assertThat(ProviderEvents.toolCall("s", "c1", "read_file", args)).isEqualTo(new JsonObject().put("streamId", "s")
        .put("type", "tool_call").put("id", "c1").put("name", "read_file").put("arguments", args));
    assertThat(ProviderEvents.usage("s", 1, 2, 3, 4)).isEqualTo(new JsonObject().put("streamId", "s").put("type", "usage")
        .put("inputTokens", 1L).put("outputTokens", 2L).put("cacheReadTokens", 3L).put("cacheWriteTokens", 4L));
  }

  @Test
  void cancelsGoToOneAddressPerNodeNamingTheStream() {
    assertThat(ProviderEvents.CANCEL_ADDRESS).isEqualTo("maestro.provider.cancel");
    assertThat(ProviderEvents.cancelRequest("abc")).isEqualTo(new JsonObject().put("streamId", "abc"));
  }
}
