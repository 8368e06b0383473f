package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.SessionRuntime;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16 in session-service against real PostgreSQL: queue (in order, across a restart), steer
 * (into the running turn after the tool results), plan mode, a turn with no client attached, approval
 * expiry and "allow for this session", and another user's ids.
 */
class SessionRuntimeTest {
  static final JsonObject CONFIG = new JsonObject().put(RuntimeSettings.APPROVAL_TIMEOUT, "0.4")
      .put(RuntimeSettings.QUEUE_SWEEP, "0.5");
  static Harness h;
  static SessionRuntime runtime;
  static String serviceDeployment;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(CONFIG);
    serviceDeployment = h.vertx.deploymentIDs().iterator().next();
    runtime = SessionRuntime.createProxy(h.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void resetFakes() {
    h.provider.reset();
    h.provider.fallback = null;
    h.tools.executed.clear();
    h.tools.policies.put("echo", "allow");
  }

  /** Answers "Echo: <last user text>" to every request without a script. */
  static List<Step> echo(JsonObject request) {
    JsonArray msgs = request.getJsonArray("messages");
    JsonObject last = msgs.getJsonObject(msgs.size() - 1);
    String text = last.getJsonArray("content").getJsonObject(0).getString("text", "?");
    return List.of(text("Echo: " + text), usage(5, 5), done("end_turn"));
  }

  static List<String> userTexts(JsonObject session) {
    List<String> out = new ArrayList<>();
    for (Object o : session.getJsonArray("messages")) {
      JsonObject m = (JsonObject) o;
      if ("user".equals(m.getString("role"))) out.add(m.getJsonArray("content").getJsonObject(0).getString("text"));
    }
    return out;
  }

  @Test
  void threeQueuedMessagesRunAsThreeLaterTurnsInOrderAndARestartBetweenThemLosesNone() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(hold("first"), text("one"), done("end_turn"));
    h.provider.script(hold("q1"), text("two"), done("end_turn"));
    await(h.sessions.send(user, id, "first"));
    rec.awaitType("turn_started");

    List<String> ids = new ArrayList<>();
    for (String text : List.of("q1", "q2", "q3", "q4")) {
      JsonObject ack = await(runtime.submit(user, id, text, "queue"));
      assertThat(ack.getBoolean("queued")).isTrue();
      ids.add(ack.getString("messageId"));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> rec.ofType("message_queued").size() == 4);
    assertThat(rec.ofType("message_queued").stream().map(e -> e.getJsonObject("event").getString("messageId")).toList())
        .containsExactlyElementsOf(ids);
    // waiting messages are listed in order, editable and removable
    JsonArray queue = await(runtime.listQueue(user, id)).getJsonArray("items");
    assertThat(queue.stream().map(q -> ((JsonObject) q).getString("text")).toList()).containsExactly("q1", "q2", "q3", "q4");
    assertThat(await(runtime.editQueued(user, id, ids.get(1), "q2 edited")).getString("text")).isEqualTo("q2 edited");
    await(runtime.removeQueued(user, id, ids.get(3)));
    assertThat(await(runtime.listQueue(user, id)).getJsonArray("items")).hasSize(3);
    assertThat(h.provider.requests).hasSize(1);

    // the running turn ends: q1 starts as the next turn, with its queued id as its message id
    h.provider.release("first");
    rec.awaitTurnCompleted(1);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> rec.ofType("turn_started").size() == 2);
    assertThat(userTexts(await(h.sessions.get(user, id)))).containsExactly("first", "q1");
    // the usual events when it starts: turn_started, then the user message with its text
    JsonObject userStarted = rec.await(e -> "message_started".equals(e.getString("type")) && "user".equals(e.getString("role")), 5_000);
    assertThat(userStarted.getJsonObject("event").getString("messageId")).isEqualTo(ids.get(0));
    assertThat(userStarted.getJsonObject("event").getString("text")).isEqualTo("q1");
    assertThatThrownBy(() -> await(runtime.editQueued(user, id, ids.get(0), "too late")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));

    // session-service restarts between the queued turns: q1's turn is interrupted, q2 and q3 still run (nobody attached)
    restartSessionService();
    h.provider.fallback = SessionRuntimeTest::echo;
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> rec.ofType("turn_completed").stream()
        .filter(e -> "complete".equals(e.getJsonObject("event").getString("status"))).count() == 3);

    JsonObject stored = await(h.sessions.get(user, id));
    assertThat(userTexts(stored)).containsExactly("first", "q1", "q2 edited", "q3");
    List<String> userIds = stored.getJsonArray("messages").stream().map(m -> (JsonObject) m)
        .filter(m -> "user".equals(m.getString("role"))).map(m -> m.getString("id")).toList();
    assertThat(userIds.subList(1, 4)).containsExactly(ids.get(0), ids.get(1), ids.get(2));
    assertThat(rec.ofType("turn_completed").stream().map(e -> e.getJsonObject("event").getString("status")).toList())
        .containsExactly("complete", "interrupted", "complete", "complete");
    assertThat(await(runtime.listQueue(user, id)).getJsonArray("items")).isEmpty();
  }

  private static void restartSessionService() throws Exception {
    // (its router lets the live sessions go, storing their running turns as interrupted)
    h.vertx.undeploy(serviceDeployment).await(20, TimeUnit.SECONDS);
    serviceDeployment = h.vertx.deployVerticle(new SessionServiceVerticle(), new DeploymentOptions().setConfig(TestEnv.config().mergeIn(CONFIG)))
        .await(60, TimeUnit.SECONDS);
  }

  @Test
  void aSteeredMessageJoinsTheRunningTurnInTheNextModelRequestAfterTheToolResults() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(hold("round1"), toolCall("t1", "echo", new JsonObject().put("n", 1)), done("tool_use"));
    h.provider.script(text("steered"), done("end_turn"));
    await(h.sessions.send(user, id, "start"));
    rec.awaitType("message_started");
    JsonObject ack = await(runtime.submit(user, id, "also check the tests", "steer"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> rec.ofType("message_queued").size() == 1);
    assertThat(rec.ofType("message_queued").get(0).getJsonObject("event").getString("mode")).isEqualTo("steer");
    h.provider.release("round1");
    rec.awaitTurnCompleted(1);

    assertThat(rec.ofType("turn_started")).hasSize(1);
    assertThat(h.provider.requests).hasSize(2);
    // the second request ends: assistant tool_call t1 → tool_result t1 → the steered text (in whatever message grouping)
    JsonArray second = h.provider.requests.get(1).getJsonArray("messages");
    List<JsonObject> parts = new ArrayList<>();
    second.forEach(m -> ((JsonObject) m).getJsonArray("content").forEach(p -> parts.add((JsonObject) p)));
    int n = parts.size();
    assertThat(parts.get(n - 3).getString("type")).isEqualTo("tool_call");
    assertThat(parts.get(n - 2).getString("type")).isEqualTo("tool_result");
    assertThat(parts.get(n - 2).getString("callId")).isEqualTo("t1");
    assertThat(parts.get(n - 1).getString("type")).isEqualTo("text");
    assertThat(parts.get(n - 1).getString("text")).isEqualTo("also check the tests");
    assertThat(second.getJsonObject(second.size() - 1).getString("role")).isEqualTo("user");
    assertThat(userTexts(await(h.sessions.get(user, id)))).containsExactly("start", "also check the tests");
    assertThat(rec.ofType("message_started").stream().map(e -> e.getJsonObject("event"))
        .filter(e -> "user".equals(e.getString("role"))).map(e -> e.getString("messageId")).toList())
        .containsExactly(ack.getString("messageId"));
  }

  @Test
  void planModeRefusesWriteFileAndRunCommandButReadsAndBuildModeLetsThemRun() throws Exception {
    for (String t : List.of("read_file", "write_file", "run_command")) h.tools.policies.put(t, "allow");
    try {
      String user = Harness.newUser();
      String id = h.newSession(user, null).getString("id");
      assertThat(await(h.sessions.update(user, id, new JsonObject().put("mode", "plan"))).getString("mode")).isEqualTo("plan");
      Harness.Recorder rec = h.record(id);
      for (int turn = 0; turn < 2; turn++) {
        h.provider.script(toolCall("w" + turn, "write_file", new JsonObject().put("path", "a")),
            toolCall("r" + turn, "run_command", new JsonObject().put("command", "ls")),
            toolCall("f" + turn, "read_file", new JsonObject().put("path", "a")), done("tool_use"));
        h.provider.script(text("ok"), done("end_turn"));
      }
      await(h.sessions.send(user, id, "plan it"));
      rec.awaitTurnCompleted(1);
      assertThat(h.tools.executed.stream().map(c -> c.getString("name")).toList()).containsExactly("read_file");
      for (String refused : List.of("w0", "r0")) {
        JsonObject result = rec.ofType("tool_result").stream().map(e -> e.getJsonObject("event"))
            .filter(e -> refused.equals(e.getString("callId"))).findFirst().orElseThrow();
        assertThat(result.getBoolean("isError")).isTrue();
        assertThat(result.getJsonArray("content").getJsonObject(0).getString("text")).contains("plan mode");
      }

      assertThat(await(h.sessions.update(user, id, new JsonObject().put("mode", "build"))).getString("mode")).isEqualTo("build");
      await(h.sessions.send(user, id, "build it"));
      rec.awaitTurnCompleted(2);
      assertThat(h.tools.executed.stream().map(c -> c.getString("name")).toList())
          .containsExactlyInAnyOrder("read_file", "write_file", "run_command", "read_file");
      assertThatThrownBy(() -> await(h.sessions.update(user, id, new JsonObject().put("mode", "yolo"))))
          .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
      // a template starts its sessions in plan mode; a request may say so too
      String template = await(h.sessions.createTemplate(user, new JsonObject().put("name", "planner").put("provider", "anthropic")
          .put("model", "claude-sonnet-4-5").put("params", new JsonObject().put("mode", "plan")))).getString("id");
      assertThat(await(h.sessions.create(user, new JsonObject().put("templateId", template))).getString("mode")).isEqualTo("plan");
      assertThat(h.newSession(user, new JsonObject().put("mode", "plan")).getString("mode")).isEqualTo("plan");
      assertThat(h.newSession(user, null).getString("mode")).isEqualTo("build");
    } finally {
      for (String t : List.of("read_file", "write_file", "run_command")) h.tools.policies.remove(t);
    }
  }

  @Test
  void aTurnCompletesWithNoClientAttachedAndALateClientGetsEveryEventAfterSeq() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    h.provider.script(text("Hel"), text("lo"), usage(3, 2), done("end_turn"));
    await(h.sessions.send(user, id, "nobody watches"));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> await(h.sessions.get(user, id)).getString("activeTurnId") == null
        && "complete".equals(await(h.sessions.get(user, id)).getJsonArray("messages").getJsonObject(1).getString("status")));

    JsonArray all = new JsonArray(await(h.sessions.events(user, id, -1)).getJsonArray("items").stream()
        .filter(e -> !"truncated".equals(((JsonObject) e).getJsonObject("event").getString("type"))).toList());
    List<String> types = all.stream().map(e -> ((JsonObject) e).getJsonObject("event").getString("type")).toList();
    assertThat(types).containsExactly("turn_started", "message_started", "delta", "delta", "message_completed", "turn_completed");
    long firstSeq = all.getJsonObject(0).getLong("seq");
    JsonArray after = await(h.sessions.events(user, id, firstSeq + 1)).getJsonArray("items");
    assertThat(after.stream().map(e -> ((JsonObject) e).getLong("seq")).toList())
        .containsExactly(firstSeq + 2, firstSeq + 3, firstSeq + 4, firstSeq + 5);
  }

  @Test
  void anUnansweredApprovalExpiresToDenyAndAllowForSessionStopsAskingForThatTool() throws Exception {
    h.tools.policies.put("echo", "ask");
    String user = Harness.newUser();
    String id = h.newSession(user, new JsonObject().put("title", "approvals")).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(toolCall("x1", "echo", new JsonObject()), done("tool_use"));
    h.provider.script(text("denied then"), done("end_turn"));
    await(h.sessions.send(user, id, "try"));
    rec.awaitType("approval_required");
    // while it waits, the run is listed as waiting for approval
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> await(runtime.runs(user, "waiting_approval")).getJsonArray("items").size() == 1);
    JsonObject run = await(runtime.runs(user, null)).getJsonArray("items").getJsonObject(0);
    assertThat(run.getString("sessionId")).isEqualTo(id);
    assertThat(run.getString("title")).isEqualTo("approvals");
    assertThat(run.getString("status")).isEqualTo("waiting_approval");
    JsonObject expired = rec.awaitType("approval_expired");
    assertThat(expired.getJsonObject("event").getString("callId")).isEqualTo("x1");
    rec.awaitTurnCompleted(1);
    assertThat(h.tools.executed).isEmpty();
    JsonObject result = rec.awaitType("tool_result").getJsonObject("event");
    assertThat(result.getBoolean("isError")).isTrue();
    assertThat(await(runtime.runs(user, null)).getJsonArray("items")).isEmpty();

    h.provider.script(toolCall("x2", "echo", new JsonObject()), done("tool_use"));
    h.provider.script(text("ran"), done("end_turn"));
    h.provider.script(toolCall("x3", "echo", new JsonObject()), done("tool_use"));
    h.provider.script(text("ran again"), done("end_turn"));
    await(h.sessions.send(user, id, "again"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> rec.ofType("approval_required").size() == 2);
    assertThat(await(runtime.allowForSession(user, id, "x2")).getString("allowedForSession")).isEqualTo("echo");
    rec.awaitTurnCompleted(2);
    await(h.sessions.send(user, id, "and again"));
    rec.awaitTurnCompleted(3);
    assertThat(h.tools.executed.stream().map(c -> c.getString("callId")).toList()).containsExactly("x2", "x3");
    assertThat(rec.ofType("approval_required")).hasSize(2);
  }

  @Test
  void anotherUsersSessionAndMessageIdsAnswerNotFound() throws Exception {
    String owner = Harness.newUser();
    String other = Harness.newUser();
    String id = h.newSession(owner, null).getString("id");
    String otherSession = h.newSession(other, null).getString("id");
    h.provider.script(hold("busy"), text("x"), done("end_turn"));
    await(h.sessions.send(owner, id, "busy"));
    String messageId = await(runtime.submit(owner, id, "mine", "queue")).getString("messageId");
    List<Harness.ThrowingCall> hostile = List.of(
        () -> await(runtime.submit(other, id, "hi", "queue")),
        () -> await(runtime.listQueue(other, id)),
        () -> await(runtime.editQueued(other, id, messageId, "theirs")),
        () -> await(runtime.removeQueued(other, id, messageId)),
        // the other user's own session, with the owner's message id
        () -> await(runtime.editQueued(other, otherSession, messageId, "theirs")),
        () -> await(runtime.removeQueued(other, otherSession, messageId)),
        () -> await(runtime.allowForSession(other, id, "c1")),
        () -> await(runtime.editQueued(owner, id, "not-a-uuid", "x")));
    for (Harness.ThrowingCall call : hostile) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(ServiceException.class,
          e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
    }
    assertThatThrownBy(() -> await(runtime.submit(owner, id, "x", "later"))).isInstanceOfSatisfying(ServiceException.class,
        e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    assertThat(await(runtime.listQueue(owner, id)).getJsonArray("items").getJsonObject(0).getString("text")).isEqualTo("mine");
    assertThat(await(runtime.runs(other, null)).getJsonArray("items")).isEmpty();
    // (removed first: it would otherwise start after the cancel and take the next test's script)
    await(runtime.removeQueued(owner, id, messageId));
    await(h.sessions.cancel(owner, id));

    // a session holds at most MAX_WAITING waiting messages: the next is refused (429), nothing stored
    String full = h.newSession(owner, null).getString("id");
    h.provider.script(hold("full"), text("x"), done("end_turn"));
    await(h.sessions.send(owner, full, "busy"));
    for (int i = 0; i < MessageQueue.MAX_WAITING; i++) await(runtime.submit(owner, full, "m" + i, "queue"));
    assertThatThrownBy(() -> await(runtime.submit(owner, full, "one too many", "queue"))).isInstanceOfSatisfying(ServiceException.class,
        e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.TOO_MANY));
    assertThat(await(runtime.listQueue(owner, full)).getJsonArray("items")).hasSize(MessageQueue.MAX_WAITING);
    await(h.sessions.delete(owner, full));
  }
}
