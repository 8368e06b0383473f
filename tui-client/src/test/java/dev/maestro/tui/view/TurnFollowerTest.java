package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.view.TurnFollower.Outcome;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class TurnFollowerTest {
  private final StringBuilder out = new StringBuilder();
  private final TurnFollower f = new TurnFollower(out::append);

  private static JsonObject ev(String type, String... kv) {
    JsonObject e = new JsonObject().put("type", type);
    for (int i = 0; i < kv.length; i += 2) {
      e.put(kv[i], kv[i + 1]);
    }
    return e;
  }

  @Test
  void printsOnlyTheAssistantTextOfItsOwnTurn() {
    f.accept(1, ev("turn_started", "turnId", "old"));
    f.accept(2, ev("delta", "text", "old answer"));
    f.accept(3, ev("turn_completed", "turnId", "old", "status", "complete"));
    f.accept(4, ev("turn_started", "turnId", "mine"));
    f.accept(5, ev("message_started", "messageId", "u", "role", "user"));
    f.accept(6, ev("delta", "text", "user text"));
    f.accept(7, ev("message_started", "messageId", "a", "role", "assistant"));
    f.accept(8, ev("delta", "text", "Echo: "));
    assertThat(f.setTurnId("mine")).isEqualTo(Outcome.RUNNING);
    f.accept(9, ev("delta", "text", "hi"));
    assertThat(f.accept(10, ev("turn_completed", "turnId", "mine", "status", "complete"))).isEqualTo(Outcome.COMPLETE);
    assertThat(out).hasToString("Echo: hi");
  }

  @Test
  void duplicateSeqIsIgnored() {
    f.setTurnId("t");
    f.accept(1, ev("turn_started", "turnId", "t"));
    f.accept(2, ev("delta", "text", "a"));
    f.accept(2, ev("delta", "text", "a"));
    assertThat(out).hasToString("a");
  }

  @Test
  void turnErrorFailsWithItsMessage() {
    f.setTurnId("t");
    f.accept(1, ev("turn_started", "turnId", "t"));
    f.accept(2, ev("turn_error", "code", "upstream_error", "message", "overloaded"));
    assertThat(f.accept(3, ev("turn_completed", "turnId", "t", "status", "error"))).isEqualTo(Outcome.FAILED);
    assertThat(f.failure()).isEqualTo("upstream_error: overloaded");
  }

  @Test
  void cancelledTurnFails() {
    f.setTurnId("t");
    f.accept(1, ev("turn_started", "turnId", "t"));
    assertThat(f.accept(2, ev("turn_completed", "turnId", "t", "status", "cancelled"))).isEqualTo(Outcome.FAILED);
    assertThat(f.failure()).isEqualTo("turn cancelled");
  }

  @Test
  void approvalIsReportedAndCanBeAnswered() {
    f.setTurnId("t");
    f.accept(1, ev("turn_started", "turnId", "t"));
    Outcome o = f.accept(2, new JsonObject().put("type", "approval_required").put("callId", "c").put("name", "run_command")
        .put("arguments", new JsonObject().put("command", "ls")));
    assertThat(o).isEqualTo(Outcome.APPROVAL_NEEDED);
    assertThat(f.pendingApproval()).isEqualTo(new TurnFollower.PendingApproval("c", "run_command", "{\"command\":\"ls\"}"));
    f.approvalAnswered();
    assertThat(f.outcome()).isEqualTo(Outcome.RUNNING);
  }

  @Test
  void anApprovalAskedAgainAfterADrainHandedTheTurnOverIsNotAnsweredTwice() {
    f.setTurnId("t");
    f.accept(1, ev("turn_started", "turnId", "t"));
    f.accept(2, new JsonObject().put("type", "approval_required").put("callId", "c").put("name", "run_command"));
    f.approvalAnswered();
    // the next owner announces the same call again (it may have been answered on the way)
    Outcome o = f.accept(3, new JsonObject().put("type", "approval_required").put("callId", "c").put("name", "run_command")
        .put("restored", true));
    assertThat(o).isEqualTo(Outcome.RUNNING);
    assertThat(f.pendingApproval()).isNull();
    assertThat(f.accept(4, new JsonObject().put("type", "approval_required").put("callId", "d").put("name", "run_command")))
        .isEqualTo(Outcome.APPROVAL_NEEDED);
  }

  @Test
  void aToolAskingForInputIsReportedBecauseSendModeCannotAnswerIt() {
    f.setTurnId("t");
    f.accept(1, ev("turn_started", "turnId", "t"));
    Outcome o = f.accept(2, new JsonObject().put("type", "elicitation_required").put("callId", "c").put("elicitationId", "e")
        .put("server", "crm").put("message", "Who?").put("schema", new JsonObject()));
    assertThat(o).isEqualTo(Outcome.INPUT_NEEDED);
    assertThat(f.failure()).contains("crm").contains("Who?").contains("interactive client");
  }
}
