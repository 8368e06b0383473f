package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The turn loop against real PostgreSQL with scripted provider and tool fakes. */
class TurnLoopTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(null);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void resetFakes() {
    h.provider.reset();
    h.tools.executed.clear();
    h.tools.maxRunning.set(0);
    h.tools.policies.put("echo", "allow");
  }

  @Test
  void aTurnStreamsDeltasInSeqOrderAndStoresTheAnswerWithUsageAndCost() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(thinking("hmm", "sig-1"), text("Hel"), text("lo"), usage(1000, 200), done("end_turn"));

    JsonObject ack = await(h.sessions.send(user, s.getString("id"), "Say hello"));
    assertThat(ack.getString("messageId")).isNotBlank();
    assertThat(ack.getString("turnId")).isNotBlank();
    rec.awaitTurnCompleted(1);

    assertThat(rec.types()).containsExactly("turn_started", "message_started", "thinking_delta", "delta", "delta",
        "message_completed", "turn_completed");
    long first = rec.events.get(0).getLong("seq");
    for (int i = 0; i < rec.events.size(); i++) {
      assertThat(rec.events.get(i).getLong("seq")).isEqualTo(first + i);
      assertThat(rec.events.get(i).getString("sessionId")).isEqualTo(s.getString("id"));
    }
    assertThat(rec.ofType("turn_completed").get(0).getJsonObject("event").getString("status")).isEqualTo("complete");
    JsonObject liveUsage = rec.ofType("message_completed").get(0).getJsonObject("event").getJsonObject("usage");
    assertThat(liveUsage.copy().put("costUsd", 0.0))
        .isEqualTo(new JsonObject().put("inputTokens", 1000).put("outputTokens", 200).put("costUsd", 0.0)
            .put("provider", "anthropic").put("model", "claude-sonnet-4-5"));

    JsonObject got = await(h.sessions.get(user, s.getString("id")));
    JsonArray msgs = got.getJsonArray("messages");
    assertThat(msgs).hasSize(2);
    assertThat(msgs.getJsonObject(0).getString("id")).isEqualTo(ack.getString("messageId"));
    assertThat(msgs.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("Say hello");
    JsonObject answer = msgs.getJsonObject(1);
    assertThat(answer.getString("role")).isEqualTo("assistant");
    assertThat(answer.getString("status")).isEqualTo("complete");
    assertThat(answer.getJsonArray("content").getJsonObject(0))
        .isEqualTo(new JsonObject().put("type", "thinking").put("text", "hmm").put("signature", "sig-1"));
    assertThat(answer.getJsonArray("content").getJsonObject(1).getString("text")).isEqualTo("Hello");
    // claude-sonnet-4-5: $3 / $15 per million tokens
    double cost = 1000 * 3.0 / 1e6 + 200 * 15.0 / 1e6;
    assertThat(answer.getJsonObject("usage").getDouble("costUsd")).isCloseTo(cost, org.assertj.core.data.Offset.offset(1e-9));
    // the live event carries the stored cost: clients show the server's figure, not their own estimate
    assertThat(liveUsage.getDouble("costUsd")).isEqualTo(answer.getJsonObject("usage").getDouble("costUsd"));
    assertThat(got.getJsonObject("usage").getLong("inputTokens")).isEqualTo(1000);
    assertThat(got.getJsonObject("usage").getDouble("costUsd")).isCloseTo(cost, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(got.getInteger("messageCount")).isEqualTo(2);

    JsonObject request = h.provider.requests.get(0);
    assertThat(request.getString("model")).isEqualTo("claude-sonnet-4-5");
    assertThat(request.getJsonArray("messages")).hasSize(1);
    assertThat(request.getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")).toList())
        .contains("echo", "slow");
  }

  @Test
  void thinkingSignaturesAreSentBackOnTheNextRequest() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(thinking("plan", "sig-xyz"), text("A"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "one"));
    rec.awaitTurnCompleted(1);
    h.provider.script(text("B"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "two"));
    rec.awaitTurnCompleted(2);
    JsonArray messages = h.provider.requests.get(1).getJsonArray("messages");
    assertThat(messages).hasSize(3);
    assertThat(messages.getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("signature")).isEqualTo("sig-xyz");
  }

  @Test
  void consecutiveThinkingBlocksRedactedBlocksAndToolCallSignaturesAreKeptApart() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(thinking("first ", null), thinking("block", null), thinking("", "sig-a"), redacted("opaque"),
        thinking("second", null), thinking("", "sig-b"), text("answer"),
        new Event(new JsonObject().put("type", "tool_call").put("id", "g1").put("name", "echo")
            .put("arguments", new JsonObject()).put("signature", "gem-sig")), done("tool_use"));
    h.provider.script(text("done"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "think"));
    rec.awaitTurnCompleted(1);
    JsonArray parts = h.provider.requests.get(1).getJsonArray("messages").getJsonObject(1).getJsonArray("content");
    assertThat(parts).containsExactly(
        new JsonObject().put("type", "thinking").put("text", "first block").put("signature", "sig-a"),
        new JsonObject().put("type", "thinking").put("text", "").put("redactedData", "opaque"),
        new JsonObject().put("type", "thinking").put("text", "second").put("signature", "sig-b"),
        new JsonObject().put("type", "text").put("text", "answer"),
        new JsonObject().put("type", "tool_call").put("callId", "g1").put("name", "echo").put("arguments", new JsonObject())
            .put("signature", "gem-sig"));
  }

  @Test
  void aThreeRoundToolLoopFeedsEachResultBackToTheModel() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("c1", "echo", new JsonObject().put("n", 1)), usage(10, 5), done("tool_use"));
    h.provider.script(toolCall("c2", "echo", new JsonObject().put("n", 2)), usage(20, 5), done("tool_use"));
    h.provider.script(toolCall("c3", "echo", new JsonObject().put("n", 3)), usage(30, 5), done("tool_use"));
    h.provider.script(text("all done"), usage(40, 5), done("end_turn"));

    await(h.sessions.send(user, s.getString("id"), "use the tool three times"));
    JsonObject completed = rec.awaitTurnCompleted(1);
    assertThat(completed.getJsonObject("event").getString("status")).isEqualTo("complete");
    assertThat(h.provider.requests).hasSize(4);
    assertThat(h.tools.executed).hasSize(3);
    // request n+1 ends with the result of call n
    for (int n = 1; n <= 3; n++) {
      JsonArray msgs = h.provider.requests.get(n).getJsonArray("messages");
      JsonObject last = msgs.getJsonObject(msgs.size() - 1);
      assertThat(last.getString("role")).isEqualTo("user");
      JsonObject result = last.getJsonArray("content").getJsonObject(0);
      assertThat(result.getString("type")).isEqualTo("tool_result");
      assertThat(result.getString("callId")).isEqualTo("c" + n);
      assertThat(result.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("echo:{\"n\":" + n + "}");
      assertThat(msgs.getJsonObject(msgs.size() - 2).getJsonArray("content").getJsonObject(0).getString("callId")).isEqualTo("c" + n);
    }
    assertThat(rec.ofType("tool_call")).hasSize(3);
    assertThat(rec.ofType("tool_result")).hasSize(3);
    JsonArray stored = await(h.sessions.get(user, s.getString("id"))).getJsonArray("messages");
    assertThat(stored.stream().map(m -> ((JsonObject) m).getString("role")).toList())
        .containsExactly("user", "assistant", "tool", "assistant", "tool", "assistant", "tool", "assistant");
    assertThat(await(h.sessions.get(user, s.getString("id"))).getJsonObject("usage").getLong("inputTokens")).isEqualTo(100);
  }

  @Test
  void toolCallsOfOneResponseRunConcurrently() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("p1", "slow", new JsonObject()), toolCall("p2", "slow", new JsonObject()),
        toolCall("p3", "slow", new JsonObject()), done("tool_use"));
    h.provider.script(text("ok"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "three slow tools"));
    rec.awaitTurnCompleted(1);
    assertThat(h.tools.maxRunning.get()).isEqualTo(3);
    assertThat(h.tools.executed).hasSize(3);
    JsonArray results = h.provider.requests.get(1).getJsonArray("messages").getJsonObject(2).getJsonArray("content");
    assertThat(results.stream().map(p -> ((JsonObject) p).getString("callId")).toList()).containsExactly("p1", "p2", "p3");
  }

  @Test
  void askPolicyWaitsForApprovalAndRunsTheToolWhenAllowed() throws Exception {
    h.tools.policies.put("echo", "ask");
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("a1", "echo", new JsonObject().put("x", 1)), done("tool_use"));
    h.provider.script(text("thanks"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "please"));
    JsonObject approval = rec.awaitType("approval_required");
    assertThat(approval.getJsonObject("event").getString("callId")).isEqualTo("a1");
    assertThat(approval.getJsonObject("event").getString("name")).isEqualTo("echo");
    assertThat(h.tools.executed).isEmpty();
    assertThatThrownBy(() -> await(h.sessions.approve(user, s.getString("id"), "nope", "allow")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
    await(h.sessions.approve(user, s.getString("id"), "a1", "allow"));
    rec.awaitTurnCompleted(1);
    assertThat(h.tools.executed).hasSize(1);
    JsonObject result = rec.ofType("tool_result").get(0).getJsonObject("event");
    assertThat(result.getBoolean("isError")).isFalse();
  }

  @Test
  void aDeniedApprovalBecomesAnErrorResultTheModelSees() throws Exception {
    h.tools.policies.put("echo", "ask");
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("d1", "echo", new JsonObject()), done("tool_use"));
    h.provider.script(text("understood"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "please"));
    rec.awaitType("approval_required");
    await(h.sessions.approve(user, s.getString("id"), "d1", "deny"));
    rec.awaitTurnCompleted(1);
    assertThat(h.tools.executed).isEmpty();
    JsonArray msgs = h.provider.requests.get(1).getJsonArray("messages");
    JsonObject result = msgs.getJsonObject(msgs.size() - 1).getJsonArray("content").getJsonObject(0);
    assertThat(result.getBoolean("isError")).isTrue();
    assertThat(result.getJsonArray("content").getJsonObject(0).getString("text")).contains("denied");
  }

  @Test
  void aDenyPolicyNeverExecutesAndIsNotOffered() throws Exception {
    h.tools.policies.put("echo", "deny");
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("x1", "echo", new JsonObject()), done("tool_use"));
    h.provider.script(text("ok"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "try it"));
    rec.awaitTurnCompleted(1);
    assertThat(h.tools.executed).isEmpty();
    assertThat(rec.ofType("approval_required")).isEmpty();
    assertThat(rec.ofType("tool_result").get(0).getJsonObject("event").getBoolean("isError")).isTrue();
    assertThat(h.provider.requests.get(0).getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")).toList())
        .doesNotContain("echo");
  }

  @Test
  void cancelMidStreamStopsWithinASecondAndStoresThePartialMessage() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(text("partial "), hold("never"), text("rest"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "long answer please"));
    rec.awaitType("delta");
    long t0 = System.currentTimeMillis();
    await(h.sessions.cancel(user, s.getString("id")));
    JsonObject completed = rec.awaitTurnCompleted(1);
    assertThat(System.currentTimeMillis() - t0).isLessThan(1000);
    assertThat(completed.getJsonObject("event").getString("status")).isEqualTo("cancelled");
    assertThat(h.provider.cancelled).isNotEmpty();
    JsonArray msgs = await(h.sessions.get(user, s.getString("id"))).getJsonArray("messages");
    JsonObject partial = msgs.getJsonObject(1);
    assertThat(partial.getString("status")).isEqualTo("cancelled");
    assertThat(partial.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("partial ");
    // the session takes the next turn normally, and late events of the old stream are ignored
    h.provider.script(text("fresh"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "again"));
    rec.awaitTurnCompleted(2);
    assertThat(rec.ofType("delta").stream().map(e -> e.getJsonObject("event").getString("text")).toList())
        .containsExactly("partial ", "fresh");
  }

  @Test
  void cancelStopsRunningTools() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("b1", "block", new JsonObject()), done("tool_use"));
    await(h.sessions.send(user, s.getString("id"), "block"));
    rec.awaitType("tool_call");
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
        .until(() -> !h.tools.executed.isEmpty());
    await(h.sessions.cancel(user, s.getString("id")));
    JsonObject completed = rec.awaitTurnCompleted(1);
    assertThat(completed.getJsonObject("event").getString("status")).isEqualTo("cancelled");
    assertThat(h.tools.cancelled).contains("b1");
    // the cancel names the session: tool-service scopes the model-chosen call ids by session
    assertThat(h.tools.cancelledInSession).contains(s.getString("id") + "/b1");
    assertThat(h.tools.executed.get(0).getString("sessionId")).isEqualTo(s.getString("id"));
    JsonArray msgs = await(h.sessions.get(user, s.getString("id"))).getJsonArray("messages");
    assertThat(msgs.getJsonObject(msgs.size() - 1).getString("role")).isEqualTo("tool");
    assertThat(msgs.getJsonObject(msgs.size() - 1).getJsonArray("content").getJsonObject(0).getBoolean("isError")).isTrue();
  }

  @Test
  void aSendDuringATurnIsRefusedWithConflict() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(text("x"), hold("conflict-test"), done("end_turn"));
    JsonObject ack = await(h.sessions.send(user, s.getString("id"), "first"));
    rec.awaitType("delta");
    assertThat(await(h.sessions.get(user, s.getString("id"))).getString("activeTurnId")).isEqualTo(ack.getString("turnId"));
    assertThatThrownBy(() -> await(h.sessions.send(user, s.getString("id"), "second")))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(ErrorCodes.CONFLICT);
          assertThat(e.getMessage()).contains("already running");
        });
    h.provider.release("conflict-test");
    rec.awaitTurnCompleted(1);
    JsonObject after = await(h.sessions.get(user, s.getString("id")));
    assertThat(after.getJsonArray("messages")).hasSize(2);
    assertThat(after.getString("activeTurnId")).isNull();
  }

  @Test
  void aProviderErrorEndsTheTurnWithTurnErrorAndTheMessageStoredAsError() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(text("par"), error("rate_limited", "slow down"));
    await(h.sessions.send(user, s.getString("id"), "hi"));
    JsonObject completed = rec.awaitTurnCompleted(1);
    assertThat(completed.getJsonObject("event").getString("status")).isEqualTo("error");
    JsonObject err = rec.ofType("turn_error").get(0).getJsonObject("event");
    assertThat(err.getString("code")).isEqualTo("rate_limited");
    assertThat(rec.types().get(rec.types().size() - 1)).isEqualTo("turn_completed");
    JsonArray msgs = await(h.sessions.get(user, s.getString("id"))).getJsonArray("messages");
    assertThat(msgs.getJsonObject(1).getString("status")).isEqualTo("error");
  }

  @Test
  void aProviderThatRefusesTheStreamEndsTheTurnWithAnError() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, new JsonObject().put("provider", "unreachable"));
    Harness.Recorder rec = h.record(s.getString("id"));
    await(h.sessions.send(user, s.getString("id"), "hello?"));
    JsonObject completed = rec.awaitTurnCompleted(1);
    assertThat(completed.getJsonObject("event").getString("status")).isEqualTo("error");
    assertThat(rec.ofType("turn_error").get(0).getJsonObject("event").getString("message")).contains("connection refused");
    JsonArray msgs = await(h.sessions.get(user, s.getString("id"))).getJsonArray("messages");
    assertThat(msgs.getJsonObject(1).getString("status")).isEqualTo("error");
  }

  @Test
  void toolRoundsAreBounded() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, new JsonObject().put("params", new JsonObject().put("maxToolRounds", 2)));
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("r1", "echo", new JsonObject()), done("tool_use"));
    h.provider.script(toolCall("r2", "echo", new JsonObject()), done("tool_use"));
    h.provider.script(toolCall("r3", "echo", new JsonObject()), done("tool_use"));
    await(h.sessions.send(user, s.getString("id"), "loop forever"));
    JsonObject completed = rec.awaitTurnCompleted(1);
    assertThat(completed.getJsonObject("event").getString("status")).isEqualTo("error");
    assertThat(rec.ofType("turn_error").get(0).getJsonObject("event").getString("code")).isEqualTo("max_tool_rounds");
    assertThat(h.provider.requests).hasSize(2);
    assertThat(h.tools.executed).hasSize(1);
  }

  @Test
  void deletingASessionMidTurnStopsTheTurn() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(text("streaming"), hold("delete-test"));
    await(h.sessions.send(user, s.getString("id"), "go"));
    rec.awaitType("delta");
    await(h.sessions.delete(user, s.getString("id")));
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("cancelled");
    assertThat(h.provider.cancelled).isNotEmpty();
    assertThatThrownBy(() -> await(h.sessions.get(user, s.getString("id"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
  }

  @Test
  void eventsAfterASeqReturnEveryLaterHeldEventWithNoGapAndNoDuplicate() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(text("a"), text("b"), text("c"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "abc"));
    rec.awaitTurnCompleted(1);
    h.provider.script(text("d"), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), "d"));
    rec.awaitTurnCompleted(2);
    List<JsonObject> seen = rec.events;
    long cut = seen.get(3).getLong("seq");
    JsonArray items = await(h.sessions.events(user, s.getString("id"), cut)).getJsonArray("items");
    assertThat(items.stream().map(e -> (JsonObject) e).toList()).isEqualTo(seen.subList(4, seen.size()));
    JsonArray all = await(h.sessions.events(user, s.getString("id"), 0)).getJsonArray("items");
    assertThat(all).hasSize(seen.size());
  }

  @Test
  void anotherUsersSessionAnswersNotFoundEverywhere() throws Exception {
    String owner = Harness.newUser();
    String other = Harness.newUser();
    JsonObject s = h.newSession(owner, null);
    String id = s.getString("id");
    for (ThrowingCall call : List.<ThrowingCall>of(
        () -> await(h.sessions.get(other, id)),
        () -> await(h.sessions.send(other, id, "hi")),
        () -> await(h.sessions.cancel(other, id)),
        () -> await(h.sessions.events(other, id, 0)),
        () -> await(h.sessions.update(other, id, new JsonObject().put("title", "x"))),
        () -> await(h.sessions.delete(other, id)),
        () -> await(h.sessions.fork(other, id, null)),
        () -> await(h.sessions.export(other, id, "json")),
        () -> await(h.sessions.get(owner, "not-a-uuid")))) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(ServiceException.class,
          e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
    }
    assertThat(await(h.sessions.get(owner, id)).getString("title")).isEqualTo("test session");
    // a call without a user never reaches anybody's session
    for (ThrowingCall call : List.<ThrowingCall>of(
        () -> await(h.sessions.get(null, id)),
        () -> await(h.sessions.events("", id, 0)),
        () -> await(h.sessions.send(null, id, "hi")))) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(ServiceException.class,
          e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    }
  }

  interface ThrowingCall {
    void run() throws Exception;
  }
}
