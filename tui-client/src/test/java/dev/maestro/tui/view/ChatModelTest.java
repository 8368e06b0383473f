package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.view.ChatModel.AssistantBlock;
import dev.maestro.tui.view.ChatModel.NoticeBlock;
import dev.maestro.tui.view.ChatModel.ToolBlock;
import dev.maestro.tui.view.ChatModel.UserBlock;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatModelTest {
  private long seq;
  private final List<JsonObject> log = new ArrayList<>();

  private JsonObject ev(String type, Object... kv) {
    JsonObject e = new JsonObject().put("type", type);
    for (int i = 0; i < kv.length; i += 2) {
      e.put((String) kv[i], kv[i + 1]);
    }
    log.add(e);
    return e;
  }

  private void apply(ChatModel m, JsonObject e) {
    m.apply(++seq, e);
  }

  private List<JsonObject> toolTurn() {
    return List.of(
        ev("turn_started", "turnId", "t1"),
        ev("message_started", "messageId", "u1", "role", "user"),
        ev("message_started", "messageId", "a1", "role", "assistant"),
        ev("thinking_delta", "text", "hmm"),
        ev("delta", "text", "Let me "),
        ev("delta", "text", "look."),
        ev("tool_call", "callId", "c1", "name", "write_file", "arguments", new JsonObject().put("path", "x")),
        ev("approval_required", "callId", "c1", "name", "write_file", "arguments", new JsonObject().put("path", "x")));
  }

  @Test
  void foldsStreamingTextThinkingAndToolCalls() {
    ChatModel m = new ChatModel();
    m.addLocalUserMessage("write x");
    toolTurn().forEach(e -> apply(m, e));
    assertThat(m.turnInFlight()).isTrue();
    assertThat(m.blocks()).hasSize(3);
    UserBlock u = (UserBlock) m.blocks().get(0);
    assertThat(u.messageId).isEqualTo("u1");
    assertThat(u.text.toString()).isEqualTo("write x");
    AssistantBlock a = (AssistantBlock) m.blocks().get(1);
    assertThat(a.text.toString()).isEqualTo("Let me look.");
    assertThat(a.thinking.toString()).isEqualTo("hmm");
    assertThat(a.status).isEqualTo("streaming");
    ToolBlock t = (ToolBlock) m.blocks().get(2);
    assertThat(t.name).isEqualTo("write_file");
    assertThat(t.arguments).isEqualTo("{\"path\":\"x\"}");
    assertThat(t.approval).isEqualTo(ChatModel.Approval.PENDING);
    assertThat(m.pendingApproval()).isSameAs(t);
  }

  static final JsonObject FORM = new JsonObject().put("type", "object").put("required", new JsonArray().add("name"))
      .put("properties", new JsonObject()
          .put("name", new JsonObject().put("type", "string").put("description", "Full name"))
          .put("age", new JsonObject().put("type", "integer").put("default", 30))
          .put("score", new JsonObject().put("type", "number").put("default", 95.5))
          .put("status", new JsonObject().put("type", "string").put("enum", new JsonArray().add("active").add("inactive")).put("default", "active"))
          .put("verified", new JsonObject().put("type", "boolean").put("default", true)));

  @Test
  void anElicitationShowsItsFieldsAndDefaultsUntilItIsResolved() {
    ChatModel m = new ChatModel();
    toolTurn().forEach(e -> apply(m, e));
    apply(m, ev("elicitation_required", "callId", "c1", "elicitationId", "e1", "server", "crm", "message", "Who?", "schema", FORM));
    apply(m, ev("elicitation_required", "callId", "c1", "elicitationId", "e1", "server", "crm", "message", "Who?", "schema", FORM));
    ChatModel.ElicitationBlock e = m.pendingElicitation();
    assertThat(e).isNotNull();
    assertThat(m.blocks().stream().filter(b -> b instanceof ChatModel.ElicitationBlock)).hasSize(1);
    assertThat(e.server).isEqualTo("crm");
    assertThat(e.fields).extracting(ChatModel.FormField::name).containsExactly("name", "age", "score", "status", "verified");
    assertThat(e.fields.get(1).defaultValue()).isEqualTo(30);
    assertThat(e.fields.get(0).required()).isTrue();
    assertThat(e.content(List.of("name=Ada", "age=31", "verified=false")))
        .isEqualTo(new JsonObject().put("name", "Ada").put("age", 31L).put("verified", false));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.content(List.of("age=old")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("age must be a number");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.content(List.of("shoe=42")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name=value");
    String screen = ChatRenderer.render(m, 100, false).stream().map(StyledLine::plain).reduce("", (a, b) -> a + b + "\n");
    assertThat(screen).contains("? crm asks: Who?").contains("age (integer) = 30").contains("status (string) = active")
        .contains("one of active|inactive").contains("name* (string) = (no default)").contains("[a] accept");
    apply(m, ev("elicitation_resolved", "elicitationId", "e1", "action", "decline"));
    assertThat(m.pendingElicitation()).isNull();
    assertThat(ChatRenderer.render(m, 100, false).stream().map(StyledLine::plain).toList()).contains("  elicitation: declined");
  }

  @Test
  void theEndOfTheTurnClosesAQuestionWhoseResolutionWasMissed() {
    ChatModel m = new ChatModel();
    toolTurn().forEach(e -> apply(m, e));
    apply(m, ev("elicitation_required", "callId", "c1", "elicitationId", "e2", "server", "crm", "message", "?", "schema", FORM));
    apply(m, ev("turn_completed", "turnId", "t1", "status", "cancelled"));
    assertThat(m.pendingElicitation()).isNull();
  }

  @Test
  void toolResultAnswersTheApprovalAndCompletionCountsUsage() {
    ChatModel m = new ChatModel();
    toolTurn().forEach(e -> apply(m, e));
    m.markApproval("c1", true);
    apply(m, ev("tool_result", "callId", "c1", "content",
        new JsonArray().add(new JsonObject().put("type", "text").put("text", "written")), "isError", false));
    apply(m, ev("message_completed", "messageId", "a1", "usage",
        new JsonObject().put("inputTokens", 100).put("outputTokens", 20)));
    apply(m, ev("message_started", "messageId", "a2", "role", "assistant"));
    apply(m, ev("delta", "text", "Done."));
    apply(m, ev("message_completed", "messageId", "a2", "usage",
        new JsonObject().put("inputTokens", 150).put("outputTokens", 5)));
    apply(m, ev("turn_completed", "turnId", "t1", "status", "complete"));
    ToolBlock t = m.tool("c1");
    assertThat(t.result).isEqualTo("written");
    assertThat(t.approval).isEqualTo(ChatModel.Approval.ALLOWED);
    assertThat(m.pendingApproval()).isNull();
    assertThat(m.inputTokens()).isEqualTo(250);
    assertThat(m.outputTokens()).isEqualTo(25);
    assertThat(m.turnInFlight()).isFalse();
    assertThat(((AssistantBlock) m.blocks().get(m.blocks().size() - 1)).text.toString()).isEqualTo("Done.");
    assertThat(((AssistantBlock) m.blocks().get(m.blocks().size() - 1)).status).isEqualTo("complete");
  }

  @Test
  void anEventIsAppliedOnceBySeq() {
    ChatModel m = new ChatModel();
    JsonObject d = ev("delta", "text", "x");
    assertThat(m.apply(1, ev("message_started", "messageId", "a", "role", "assistant"))).isTrue();
    assertThat(m.apply(2, d)).isTrue();
    assertThat(m.apply(2, d)).isFalse();
    assertThat(m.apply(1, d)).isFalse();
    assertThat(((AssistantBlock) m.blocks().get(0)).text.toString()).isEqualTo("x");
    assertThat(m.lastSeq()).isEqualTo(2);
  }

  @Test
  void replayedEventsOfAStoredMessageDoNotDuplicateIt() {
    JsonObject stored = new JsonObject().put("id", "s1").put("title", "t").put("model", "m").put("messages",
        new JsonArray()
            .add(new JsonObject().put("id", "u1").put("role", "user").put("status", "complete")
                .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "hi"))))
            .add(new JsonObject().put("id", "a1").put("role", "assistant").put("status", "complete")
                .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "Echo: hi")))
                .put("usage", new JsonObject().put("inputTokens", 3).put("outputTokens", 4))));
    ChatModel m = new ChatModel();
    m.loadSession(stored);
    // subscribe with afterSeq=0 replays the whole turn that is already stored
    apply(m, ev("turn_started", "turnId", "t"));
    apply(m, ev("message_started", "messageId", "u1", "role", "user"));
    apply(m, ev("message_started", "messageId", "a1", "role", "assistant"));
    apply(m, ev("delta", "text", "Echo"));
    apply(m, ev("delta", "text", ": hi"));
    apply(m, ev("message_completed", "messageId", "a1", "usage",
        new JsonObject().put("inputTokens", 3).put("outputTokens", 4)));
    apply(m, ev("turn_completed", "turnId", "t", "status", "complete"));
    assertThat(m.blocks()).hasSize(2);
    assertThat(((UserBlock) m.blocks().get(0)).text.toString()).isEqualTo("hi");
    assertThat(((AssistantBlock) m.blocks().get(1)).text.toString()).isEqualTo("Echo: hi");
    assertThat(m.inputTokens()).isEqualTo(3);
    assertThat(m.outputTokens()).isEqualTo(4);
    assertThat(m.session().getString("title")).isEqualTo("t");
  }

  @Test
  void loadsStoredToolCallsResultsAndStatuses() {
    JsonObject stored = new JsonObject().put("id", "s1").put("messages", new JsonArray()
        .add(new JsonObject().put("id", "a1").put("role", "assistant").put("status", "interrupted")
            .put("content", new JsonArray()
                .add(new JsonObject().put("type", "thinking").put("text", "plan"))
                .add(new JsonObject().put("type", "tool_call").put("callId", "c9").put("name", "read_file")
                    .put("arguments", new JsonObject().put("path", "a.txt")))))
        .add(new JsonObject().put("id", "r1").put("role", "tool").put("status", "complete")
            .put("content", new JsonArray().add(new JsonObject().put("type", "tool_result").put("callId", "c9")
                .put("content", "file body").put("isError", true)))));
    ChatModel m = new ChatModel();
    m.loadSession(stored);
    assertThat(m.tool("c9").result).isEqualTo("file body");
    assertThat(m.tool("c9").isError).isTrue();
    assertThat(((AssistantBlock) m.blocks().get(0)).thinking.toString()).isEqualTo("plan");
    assertThat(m.blocks()).anySatisfy(b -> assertThat(b).isInstanceOfSatisfying(NoticeBlock.class,
        n -> assertThat(n.text()).contains("interrupted")));
  }

  @Test
  void turnErrorAndCancelAreShown() {
    ChatModel m = new ChatModel();
    apply(m, ev("turn_started", "turnId", "t"));
    apply(m, ev("turn_error", "code", "upstream_error", "message", "overloaded"));
    apply(m, ev("turn_completed", "turnId", "t", "status", "error"));
    assertThat(m.blocks()).extracting(b -> ((NoticeBlock) b).text())
        .containsExactly("Error [upstream_error]: overloaded", "(turn error)");
    assertThat(((NoticeBlock) m.blocks().get(0)).tone()).isEqualTo(Tone.ERROR);
  }

  @Test
  void deltasWithoutMessageStartedStillShow() {
    ChatModel m = new ChatModel();
    apply(m, ev("delta", "text", "joined mid-stream"));
    assertThat(((AssistantBlock) m.blocks().get(0)).text.toString()).isEqualTo("joined mid-stream");
  }

  @Test
  void presenceUpdatesOpenIn() {
    ChatModel m = new ChatModel();
    apply(m, ev("delta", "text", "x"));
    m.applyUnsequenced(ev("presence", "openIn", new JsonArray().add("web").add("tui")));
    assertThat(m.openIn()).containsExactly("web", "tui");
    assertThat(m.lastSeq()).as("presence is outside the seq stream").isEqualTo(1);
    m.applyUnsequenced(ev("delta", "text", "not without a seq"));
    assertThat(((AssistantBlock) m.blocks().get(0)).text.toString()).isEqualTo("x");
  }

  @Test
  void turnCompletionClearsUnansweredApprovals() {
    ChatModel m = new ChatModel();
    toolTurn().forEach(e -> apply(m, e));
    apply(m, ev("turn_completed", "turnId", "t1", "status", "cancelled"));
    assertThat(m.pendingApproval()).isNull();
    assertThat(m.blocks().get(m.blocks().size() - 1)).isInstanceOfSatisfying(NoticeBlock.class,
        n -> assertThat(n.text()).isEqualTo("(turn cancelled)"));
  }

  @Test
  void aTurnStartedByAnotherClientGetsItsUserMessageFromTheStoredSession() {
    ChatModel m = new ChatModel();
    m.addLocalUserMessage("mine");
    apply(m, ev("turn_started", "turnId", "t1"));
    assertThat(m.takeTurnStartedElsewhere()).as("own message started this turn").isFalse();
    apply(m, ev("turn_completed", "turnId", "t1", "status", "complete"));
    apply(m, ev("turn_started", "turnId", "t2"));
    apply(m, ev("message_started", "messageId", "a2", "role", "assistant"));
    apply(m, ev("delta", "text", "answer to web"));
    assertThat(m.takeTurnStartedElsewhere()).isTrue();
    assertThat(m.takeTurnStartedElsewhere()).as("reported once").isFalse();
    JsonArray stored = new JsonArray()
        .add(new JsonObject().put("id", "u1").put("role", "user")
            .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "mine"))))
        .add(new JsonObject().put("id", "u2").put("role", "user")
            .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "from the web"))));
    // "mine" had no id locally (no event carries user message ids): it adopts u1 instead of being
    // copied; the web message is inserted before the answer
    int added = m.addMissingUserMessages(stored);
    assertThat(added).isEqualTo(1);
    assertThat(m.blocks()).hasSize(3);
    assertThat(((UserBlock) m.blocks().get(1)).text.toString()).isEqualTo("from the web");
    assertThat(((AssistantBlock) m.blocks().get(2)).text.toString()).isEqualTo("answer to web");
    assertThat(((UserBlock) m.blocks().get(0)).messageId).isEqualTo("u1");
    assertThat(m.addMissingUserMessages(stored)).as("idempotent").isZero();
  }

  @Test
  void aRefusedLocalMessageIsNotMatchedWithALaterTurn() {
    ChatModel m = new ChatModel();
    m.addLocalUserMessage("refused");
    m.localMessageRefused();
    apply(m, ev("turn_started", "turnId", "t"));
    assertThat(m.takeTurnStartedElsewhere()).isTrue();
  }

  /**
   * Issue 17: the reply streamed in part, then the server announced seq numbers whose events will not come
   * (a truncated marker naming the turn) and handed out the turn's end. Once the turn has ended the model asks
   * for the stored session, once, and shows the stored reply in place of the part that streamed.
   */
  @Test
  void aTurnWhoseEventsWereAnnouncedAsNotComingIsReloadedFromTheStoredMessages() {
    ChatModel m = new ChatModel();
    m.addLocalUserMessage("hi");
    m.apply(1, ev("turn_started", "turnId", "t1"));
    m.apply(2, ev("message_started", "messageId", "u1", "role", "user"));
    m.apply(3, ev("message_started", "messageId", "a1", "role", "assistant"));
    m.apply(4, ev("delta", "text", "Before the split, "));
    m.apply(12, ev("truncated", "fromSeq", 5, "throughSeq", 12, "turnId", "t1"));
    assertThat(m.takeTurnToReload()).as("not before the turn's end: the stored messages are final then").isNull();
    m.apply(13, ev("turn_completed", "turnId", "t1", "status", "complete"));
    assertThat(m.takeTurnToReload()).isEqualTo("t1");
    assertThat(m.takeTurnToReload()).isNull();

    JsonArray stored = new JsonArray()
        .add(new JsonObject().put("id", "u0").put("turnId", "t0").put("role", "assistant").put("status", "complete")
            .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "an older turn"))))
        .add(new JsonObject().put("id", "u1").put("turnId", "t1").put("role", "user").put("status", "complete")
            .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "hi"))))
        .add(new JsonObject().put("id", "a1").put("turnId", "t1").put("role", "assistant").put("status", "complete")
            .put("usage", new JsonObject().put("inputTokens", 3).put("outputTokens", 9))
            .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "Before the split, and after it."))));
    assertThat(m.reloadTurn("t1", stored)).isEqualTo(1);
    List<AssistantBlock> replies = m.blocks().stream().filter(b -> b instanceof AssistantBlock).map(b -> (AssistantBlock) b).toList();
    assertThat(replies).singleElement().satisfies(a -> {
      assertThat(a.messageId).isEqualTo("a1");
      assertThat(a.text.toString()).isEqualTo("Before the split, and after it.");
      assertThat(a.status).isEqualTo("complete");
    });
    assertThat(m.outputTokens()).isEqualTo(9);
    assertThat(m.blocks().stream().filter(b -> b instanceof UserBlock)).hasSize(1);
  }

  /** A marker without turnId (the held events of a very long turn were capped) stands for the turn in flight. */
  @Test
  void aMarkerWithoutATurnReloadsTheTurnInFlightWhenItEnds() {
    ChatModel m = new ChatModel();
    m.apply(1, ev("turn_started", "turnId", "t1"));
    m.apply(10, ev("truncated", "throughSeq", 10));
    m.apply(11, ev("delta", "text", "tail"));
    m.apply(12, ev("turn_completed", "turnId", "t1", "status", "complete"));
    assertThat(m.takeTurnToReload()).isEqualTo("t1");
    // a message never seen (its start was among the lost events) is added
    JsonArray stored = new JsonArray().add(new JsonObject().put("id", "a9").put("turnId", "t1").put("role", "assistant")
        .put("status", "complete").put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "all of it"))));
    m.reloadTurn("t1", stored);
    assertThat(m.blocks().stream().filter(b -> b instanceof AssistantBlock a && "all of it".contentEquals(a.text))).hasSize(1);
    // a turn without a marker asks for nothing
    m.apply(13, ev("turn_started", "turnId", "t2"));
    m.apply(14, ev("turn_completed", "turnId", "t2", "status", "complete"));
    assertThat(m.takeTurnToReload()).isNull();
  }
}
