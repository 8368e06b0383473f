package dev.maestro.contracts.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The session events' exact shapes (API.md): the gateway forwards them unchanged to every client. */
class SessionEventsTest {
  @Test
  void theEnvelopeWrapsAnEventWithItsSessionAndSeq() {
    JsonObject event = SessionEvents.delta("hi");
    assertThat(SessionEvents.envelope("s1", 7, event))
        .isEqualTo(new JsonObject().put("type", "event").put("sessionId", "s1").put("seq", 7L).put("event", event));
  }

  @Test
  void toolEventsCarryTheCallId() {
    JsonObject args = new JsonObject().put("cmd", "ls");
    assertThat(SessionEvents.toolCall("c1", "bash", args))
        .isEqualTo(new JsonObject().put("type", "tool_call").put("callId", "c1").put("name", "bash").put("arguments", args));
    assertThat(SessionEvents.approvalRequired("c1", "bash", args).getString("type")).isEqualTo("approval_required");
    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", "ok"));
    assertThat(SessionEvents.toolResult("c1", content, true))
        .isEqualTo(new JsonObject().put("type", "tool_result").put("callId", "c1").put("content", content).put("isError", true));
  }

  @Test
  void messageCompletedCarriesTheStoredCostOnlyWhenPriced() {
    JsonObject priced = SessionEvents.messageCompleted("m1", new JsonObject().put("inputTokens", 10).put("outputTokens", 5).put("costUsd", 0.25));
    assertThat(priced.getJsonObject("usage"))
        .isEqualTo(new JsonObject().put("inputTokens", 10L).put("outputTokens", 5L).put("costUsd", 0.25));
    JsonObject unpriced = SessionEvents.messageCompleted("m1", new JsonObject());
    assertThat(unpriced.getJsonObject("usage")).isEqualTo(new JsonObject().put("inputTokens", 0L).put("outputTokens", 0L));
    JsonObject notANumber = SessionEvents.messageCompleted("m1", new JsonObject().put("costUsd", "free"));
    assertThat(notANumber.getJsonObject("usage").containsKey("costUsd")).isFalse();
  }

  @Test
  void elicitationAndCompactionEventsKeepTheirFields() {
    JsonObject schema = new JsonObject().put("type", "object");
    assertThat(SessionEvents.elicitationRequired("c1", "e1", "srv", "Who?", schema)).isEqualTo(new JsonObject()
        .put("type", "elicitation_required").put("callId", "c1").put("elicitationId", "e1").put("server", "srv")
        .put("message", "Who?").put("schema", schema));
    assertThat(SessionEvents.elicitationResolved("e1", ElicitationForm.DECLINE))
        .isEqualTo(new JsonObject().put("type", "elicitation_resolved").put("elicitationId", "e1").put("action", "decline"));
    assertThat(SessionEvents.compacted("m9", 4))
        .isEqualTo(new JsonObject().put("type", "compacted").put("summaryMessageId", "m9").put("compactedMessages", 4));
    assertThat(SessionEvents.compactionFailed("x", "y"))
        .isEqualTo(new JsonObject().put("type", "compaction_failed").put("code", "x").put("message", "y"));
    assertThat(SessionEvents.truncated(12).getLong("throughSeq")).isEqualTo(12);
    assertThat(SessionEvents.truncated(12).getString("type")).isEqualTo("truncated");
    assertThat(SessionEvents.truncated(5, 12, "t1")).isEqualTo(new JsonObject().put("type", "truncated").put("fromSeq", 5L)
        .put("throughSeq", 12L).put("turnId", "t1")
        .put("message", "events of this turn were published by an earlier owner and are not held; its stored messages are complete"));
    assertThat(SessionEvents.truncated(5, 12, null).containsKey("turnId")).isFalse();
  }

  @Test
  void turnEventsAndPresence() {
    assertThat(SessionEvents.turnStarted("t1")).isEqualTo(new JsonObject().put("type", "turn_started").put("turnId", "t1"));
    assertThat(SessionEvents.turnCompleted("t1", SessionEvents.CANCELLED))
        .isEqualTo(new JsonObject().put("type", "turn_completed").put("turnId", "t1").put("status", "cancelled"));
    assertThat(SessionEvents.turnError("c", "m")).isEqualTo(new JsonObject().put("type", "turn_error").put("code", "c").put("message", "m"));
    assertThat(SessionEvents.messageStarted("m1", "assistant"))
        .isEqualTo(new JsonObject().put("type", "message_started").put("messageId", "m1").put("role", "assistant"));
    assertThat(SessionEvents.thinkingDelta("x")).isEqualTo(new JsonObject().put("type", "thinking_delta").put("text", "x"));
    JsonArray openIn = new JsonArray().add("tui");
    assertThat(SessionEvents.presence(openIn)).isEqualTo(new JsonObject().put("type", "presence").put("openIn", openIn));
  }
}
