package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.session.subagent.SubagentLimits;
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
import java.util.Map;
import java.util.function.Function;

import dev.maestro.contracts.session.SessionEvents;
import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Sub-agents (issue 16): the {@code task} tool runs child sessions, in parallel, whose answers come back
 * as tool results; they are cancelled with the parent, bounded by depth and by concurrent children, and
 * their approvals are answered through the parent. Limits here: depth 1 and 2 children at once, so each
 * limit is reached with few model calls. The scripted provider answers by the request's first user text.
 */
class SubagentTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(new JsonObject().put(SubagentLimits.MAX_DEPTH, "1").put(SubagentLimits.MAX_CONCURRENT, "2"));
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
    h.tools.policies.remove("elicit");
  }

  static JsonObject task(String description, String prompt) {
    return new JsonObject().put("description", description).put("prompt", prompt);
  }

  /** The text of the request's first message: the user's message of a parent, the task prompt of a child. */
  static String firstText(JsonObject request) {
    return request.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text");
  }

  /** The tool results sent back in a request, by call id. */
  static Map<String, JsonObject> toolResults(JsonObject request) {
    Map<String, JsonObject> out = new java.util.HashMap<>();
    for (Object m : request.getJsonArray("messages")) {
      for (Object p : ((JsonObject) m).getJsonArray("content")) {
        JsonObject part = (JsonObject) p;
        if ("tool_result".equals(part.getString("type"))) out.put(part.getString("callId"), part);
      }
    }
    return out;
  }

  static String resultText(JsonObject part) {
    return dev.maestro.contracts.Parts.resultText(part.getValue("content"));
  }

  /** Scripts by first text: the parent's first round, its round after the tool results, and each child's. */
  static Function<JsonObject, List<Step>> byPrompt(List<Step> parentFirst, Map<String, List<Step>> children) {
    return req -> {
      String first = firstText(req);
      if (children.containsKey(first)) return children.get(first);
      if (req.getJsonArray("messages").size() == 1) return parentFirst;
      return List.of(text("parent done"), done("end_turn"));
    };
  }

  List<JsonObject> childRequests() {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject r : h.provider.requestsCopy()) if (firstText(r).startsWith("child")) out.add(r);
    return out;
  }

  @Test
  void twoTaskCallsRunTwoChildrenInParallelAndBothAnswersReturnToTheParent() throws Exception {
    String user = Harness.newUser();
    JsonObject parent = h.newSession(user, null);
    String parentId = parent.getString("id");
    Harness.Recorder rec = h.record(parentId);
    // each child's stream stays open until the test has seen both children's requests: only parallel children get there
    h.provider.fallback = byPrompt(
        List.of(toolCall("t1", "task", task("look at A", "child A: what is A?")),
            toolCall("t2", "task", task("look at B", "child B: what is B?")), done("tool_use")),
        Map.of("child A: what is A?", List.of(text("A is "), hold("both"), text("alpha"), usage(10, 5), done("end_turn")),
            "child B: what is B?", List.of(text("B is "), hold("both"), text("beta"), usage(10, 5), done("end_turn"))));

    await(h.sessions.send(user, parentId, "parent: find A and B"));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> childRequests().size() == 2);
    assertThat(rec.ofType("subagent_finished")).isEmpty();
    h.provider.release("both");
    rec.awaitTurnCompleted(1);

    assertThat(rec.ofType("turn_completed").get(0).getJsonObject("event").getString("status")).isEqualTo("complete");
    // the parent's second request carries both children's final answers as the task calls' results
    JsonObject second = h.provider.requestsCopy().stream().filter(r -> firstText(r).startsWith("parent")
        && r.getJsonArray("messages").size() > 1).findFirst().orElseThrow();
    Map<String, JsonObject> results = toolResults(second);
    assertThat(resultText(results.get("t1"))).isEqualTo("A is alpha");
    assertThat(resultText(results.get("t2"))).isEqualTo("B is beta");
    assertThat(results.get("t1").getBoolean("isError")).isFalse();

    // streamed live into the parent: started, the children's text, finished
    List<JsonObject> started = rec.ofType("subagent_started");
    assertThat(started).hasSize(2);
    List<String> childIds = started.stream().map(e -> e.getJsonObject("event").getString("childSessionId")).toList();
    assertThat(started.stream().map(e -> e.getJsonObject("event").getString("description")).toList())
        .containsExactlyInAnyOrder("look at A", "look at B");
    assertThat(rec.ofType("subagent_delta").stream().map(e -> e.getJsonObject("event").getString("text")).toList())
        .contains("A is ", "alpha", "B is ", "beta");
    assertThat(rec.ofType("subagent_finished").stream().map(e -> e.getJsonObject("event").getString("status")).toList())
        .containsExactly("complete", "complete");
    // the offered task tool has a schema the model can follow
    JsonObject taskTool = h.provider.requestsCopy().get(0).getJsonArray("tools").stream().map(t -> (JsonObject) t)
        .filter(t -> "task".equals(t.getString("name"))).findFirst().orElseThrow();
    assertThat(taskTool.getJsonObject("inputSchema").getJsonArray("required")).containsExactly("description", "prompt");

    // listed under the parent, not in the user's list; the parent's owner only
    JsonObject got = await(h.sessions.get(user, parentId));
    assertThat(got.getJsonArray("children").stream().map(c -> ((JsonObject) c).getString("id")).toList())
        .containsExactlyInAnyOrderElementsOf(childIds);
    assertThat(got.getJsonArray("children").stream().map(c -> ((JsonObject) c).getString("status")).toList())
        .containsOnly("complete");
    assertThat(got.getValue("parentSessionId")).isNull();
    JsonObject child = await(h.sessions.get(user, childIds.get(0)));
    assertThat(child.getString("parentSessionId")).isEqualTo(parentId);
    assertThat(child.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text"))
        .startsWith("child");
    JsonArray listed = await(h.sessions.list(user, new JsonObject())).getJsonArray("items");
    assertThat(listed.stream().map(s -> ((JsonObject) s).getString("id")).toList()).containsExactly(parentId);
    String other = Harness.newUser();
    for (String id : childIds) {
      assertThatThrownBy(() -> await(h.sessions.get(other, id)))
          .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
      assertThatThrownBy(() -> await(h.sessions.cancel(other, id)))
          .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
    }
  }

  @Test
  void cancellingTheParentCancelsBothChildrenAndClosesTheirUpstreamStreams() throws Exception {
    String user = Harness.newUser();
    String parentId = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(parentId);
    h.provider.fallback = byPrompt(
        List.of(toolCall("t1", "task", task("A", "child A: wait")), toolCall("t2", "task", task("B", "child B: wait")),
            done("tool_use")),
        Map.of("child A: wait", List.of(text("working"), hold("never"), done("end_turn")),
            "child B: wait", List.of(text("working"), hold("never"), done("end_turn"))));
    await(h.sessions.send(user, parentId, "parent: start two"));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> childRequests().size() == 2);
    // both children are streaming (their first delta was relayed) before the cancel
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rec.ofType("subagent_delta").size() == 2);

    await(h.sessions.cancel(user, parentId));
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("cancelled");
    List<String> childIds = rec.ofType("subagent_started").stream()
        .map(e -> e.getJsonObject("event").getString("childSessionId")).toList();
    assertThat(childIds).hasSize(2);
    // each child's turn ended cancelled, and its upstream stream was cancelled (the parent's had ended before the tools ran)
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonArray children = await(h.sessions.get(user, parentId)).getJsonArray("children");
      assertThat(children.stream().map(c -> ((JsonObject) c).getString("status")).toList()).containsExactly("cancelled", "cancelled");
    });
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> h.provider.cancelled.size() == 2);
    for (String id : childIds) {
      JsonArray msgs = await(h.sessions.get(user, id)).getJsonArray("messages");
      assertThat(msgs.getJsonObject(msgs.size() - 1).getString("status")).isEqualTo("cancelled");
    }
  }

  @Test
  void overTheConcurrencyLimitATaskCallGetsAClearToolError() throws Exception {
    String user = Harness.newUser();
    String parentId = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(parentId);
    h.provider.fallback = byPrompt(
        List.of(toolCall("t1", "task", task("1", "child 1")), toolCall("t2", "task", task("2", "child 2")),
            toolCall("t3", "task", task("3", "child 3")), done("tool_use")),
        // every child holds its reply until released, so the two that start are still running when the third
        // call is checked, however slowly the machine schedules them (without the hold a child could finish first)
        Map.of("child 1", List.of(hold("children"), text("one"), done("end_turn")),
            "child 2", List.of(hold("children"), text("two"), done("end_turn")),
            "child 3", List.of(hold("children"), text("three"), done("end_turn"))));
    await(h.sessions.send(user, parentId, "parent: three tasks"));
    // the refused call's result comes while the other two children are held (with no limit, none would)
    rec.await(e -> SessionEvents.TOOL_RESULT.equals(e.getString("type")) && e.getBoolean("isError", false), 10_000);
    h.provider.release("children");
    rec.awaitTurnCompleted(1);

    Map<String, JsonObject> results = toolResults(h.provider.requestsCopy().stream()
        .filter(r -> firstText(r).startsWith("parent") && r.getJsonArray("messages").size() > 1).findFirst().orElseThrow());
    // the three calls start concurrently (each after its start is recorded under the owner epoch), so which
    // one finds both slots taken is not fixed: two ran with their own child's answer, one got the clear error
    Map<String, String> expected = Map.of("t1", "one", "t2", "two", "t3", "three");
    List<String> refused = results.entrySet().stream().filter(e -> e.getValue().getBoolean("isError", false)).map(Map.Entry::getKey).toList();
    assertThat(refused).hasSize(1);
    assertThat(resultText(results.get(refused.get(0)))).contains("too many sub-agents", "the limit is 2", SubagentLimits.MAX_CONCURRENT);
    expected.forEach((call, answer) -> {
      if (!refused.contains(call)) assertThat(resultText(results.get(call))).isEqualTo(answer);
    });
    assertThat(childRequests()).hasSize(2);
  }

  @Test
  void atTheDepthLimitAChildsTaskCallGetsAClearToolError() throws Exception {
    String user = Harness.newUser();
    String parentId = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(parentId);
    h.provider.fallback = req -> {
      String first = firstText(req);
      int n = req.getJsonArray("messages").size();
      if (first.startsWith("parent")) {
        return n == 1 ? List.of(toolCall("t1", "task", task("deeper", "child: go deeper")), done("tool_use"))
            : List.of(text("parent done"), done("end_turn"));
      }
      // the child (depth 1 = the limit here) tries a task of its own, then reports what it got
      return n == 1 ? List.of(toolCall("g1", "task", task("grandchild", "grandchild: hi")), done("tool_use"))
          : List.of(text("child saw: " + resultText(toolResults(req).get("g1"))), done("end_turn"));
    };
    await(h.sessions.send(user, parentId, "parent: nest"));
    rec.awaitTurnCompleted(1);

    JsonObject last = h.provider.requestsCopy().get(h.provider.requests.size() - 1);
    String answer = resultText(toolResults(last).get("t1"));
    assertThat(answer).startsWith("child saw: ").contains("sub-agent depth limit reached", "at most 1 deep",
        SubagentLimits.MAX_DEPTH, "at depth 1");
    assertThat(h.provider.requestsCopy().stream().filter(r -> firstText(r).startsWith("grandchild"))).isEmpty();
  }

  @Test
  void aChildsApprovalIsAnsweredThroughTheParentAndItsToolsUseTheParentsWorkspace() throws Exception {
    h.tools.policies.put("echo", "ask");
    String user = Harness.newUser();
    String parentId = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(parentId);
    h.provider.fallback = req -> {
      String first = firstText(req);
      int n = req.getJsonArray("messages").size();
      if (first.startsWith("parent")) {
        return n == 1 ? List.of(toolCall("t1", "task", task("echo it", "child: echo")), done("tool_use"))
            : List.of(text("parent done"), done("end_turn"));
      }
      return n == 1 ? List.of(toolCall("e1", "echo", new JsonObject().put("x", 1)), done("tool_use"))
          : List.of(text("echoed " + resultText(toolResults(req).get("e1"))), done("end_turn"));
    };
    await(h.sessions.send(user, parentId, "parent: needs approval"));

    JsonObject approval = rec.awaitType("approval_required").getJsonObject("event");
    assertThat(approval.getString("callId")).isEqualTo("e1");
    assertThat(approval.getString("name")).isEqualTo("echo");
    String childId = approval.getString("childSessionId");
    assertThat(childId).isNotBlank();
    assertThat(h.tools.executed).isEmpty();
    // another member cannot answer it through the parent
    assertThatThrownBy(() -> await(h.sessions.approve(Harness.newUser(), parentId, "e1", "allow")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
    await(h.sessions.approve(user, parentId, "e1", "allow"));
    rec.awaitTurnCompleted(1);

    JsonObject last = h.provider.requestsCopy().get(h.provider.requests.size() - 1);
    assertThat(resultText(toolResults(last).get("t1"))).isEqualTo("echoed echo:{\"x\":1}");
    assertThat(h.tools.executed).hasSize(1);
    JsonObject exec = h.tools.executed.get(0);
    assertThat(exec.getString("sessionId")).isEqualTo(childId);
    assertThat(exec.getString("workspaceId")).isEqualTo(parentId);
  }

  @Test
  void aChildsToolQuestionIsAnsweredThroughTheParent() throws Exception {
    h.tools.policies.put("elicit", "allow");
    String user = Harness.newUser();
    String parentId = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(parentId);
    h.provider.fallback = req -> {
      String first = firstText(req);
      int n = req.getJsonArray("messages").size();
      if (first.startsWith("parent")) {
        return n == 1 ? List.of(toolCall("t1", "task", task("ask", "child: ask the user")), done("tool_use"))
            : List.of(text("parent done"), done("end_turn"));
      }
      return n == 1 ? List.of(toolCall("q1", "elicit", new JsonObject()), done("tool_use"))
          : List.of(text("got " + resultText(toolResults(req).get("q1"))), done("end_turn"));
    };
    await(h.sessions.send(user, parentId, "parent: ask through a child"));

    JsonObject asked = rec.awaitType("elicitation_required").getJsonObject("event");
    assertThat(asked.getString("childSessionId")).isNotBlank();
    await(h.sessions.answerElicitation(user, parentId, asked.getString("elicitationId"), "accept",
        new JsonObject().put("name", "Ada")));
    rec.awaitTurnCompleted(1);
    assertThat(rec.awaitType("elicitation_resolved").getJsonObject("event").getString("action")).isEqualTo("accept");
    JsonObject last = h.provider.requestsCopy().get(h.provider.requests.size() - 1);
    assertThat(resultText(toolResults(last).get("t1"))).startsWith("got ").contains("\"name\":\"Ada\"");
  }

  @Test
  void aNamedTemplateAndACheaperModelShapeTheChildButAnotherUsersTemplateIsNotFound() throws Exception {
    String user = Harness.newUser();
    String parentId = h.newSession(user, null).getString("id");
    await(h.sessions.createTemplate(user, new JsonObject().put("name", "reviewer").put("provider", "anthropic")
        .put("model", "claude-sonnet-4-5").put("systemPrompt", "You review code.")));
    String foreign = await(h.sessions.createTemplate(Harness.newUser(), new JsonObject().put("name", "theirs")
        .put("provider", "anthropic").put("model", "claude-sonnet-4-5").put("systemPrompt", "secret"))).getString("id");
    Harness.Recorder rec = h.record(parentId);
    h.provider.fallback = byPrompt(
        List.of(toolCall("t1", "task", task("review", "child review").put("template", "reviewer").put("model", "claude-haiku-4-5")),
            toolCall("t2", "task", task("steal", "child steal").put("template", foreign)), done("tool_use")),
        Map.of("child review", List.of(text("looks fine"), done("end_turn")),
            "child steal", List.of(text("must not run"), done("end_turn"))));
    await(h.sessions.send(user, parentId, "parent: review"));
    rec.awaitTurnCompleted(1);

    List<JsonObject> children = childRequests();
    assertThat(children).hasSize(1);
    assertThat(children.get(0).getString("model")).isEqualTo("claude-haiku-4-5");
    assertThat(children.get(0).getString("system")).isEqualTo("You review code.");
    JsonObject last = h.provider.requestsCopy().get(h.provider.requests.size() - 1);
    assertThat(resultText(toolResults(last).get("t1"))).isEqualTo("looks fine");
    assertThat(toolResults(last).get("t2").getBoolean("isError")).isTrue();
    assertThat(resultText(toolResults(last).get("t2"))).contains("no agent template named '" + foreign + "'");
  }

  @Test
  void aChildSpendsFromItsParentsBudgetAndIsRefusedWhenItsRequestDoesNotFitWhatRemains() throws Exception {
    String user = Harness.newUser();
    // claude-haiku-4-5 ($1 / $5 per million), 20000 output tokens at most: each request holds ~$0.10 before it is sent
    JsonObject parent = h.newSession(user, new JsonObject().put("model", "claude-haiku-4-5").put("budgetUsd", 0.15)
        .put("params", new JsonObject().put("maxTokens", 20_000)));
    String parentId = parent.getString("id");
    Harness.Recorder rec = h.record(parentId);
    // the parent's first request costs $0.06001: $0.08999 of its $0.15 remain, less than a child's worst case.
    // The child gets its own account (its copied budgetUsd alone would let it through): only the parent's bounds it
    h.provider.fallback = byPrompt(
        List.of(toolCall("b1", "task", task("costly", "child budget: spend")), usage(10, 12_000), done("tool_use")),
        Map.of("child budget: spend", List.of(text("should never be asked"), usage(10, 5), done("end_turn"))));

    await(h.sessions.send(user, parentId, "parent: delegate"));
    rec.awaitTurnCompleted(1);

    // the child's request never reached the provider
    assertThat(childRequests()).isEmpty();
    JsonObject result = rec.ofType("tool_result").stream().map(e -> e.getJsonObject("event"))
        .filter(e -> "b1".equals(e.getString("callId"))).findFirst().orElseThrow();
    assertThat(result.getBoolean("isError")).isTrue();
    assertThat(dev.maestro.contracts.Parts.resultText(result.getValue("content")))
        .contains("budget_exceeded").contains("parent session " + parentId).contains("of $0.1500");
    assertThat(rec.ofType("subagent_finished").get(0).getJsonObject("event").getString("status")).isEqualTo("error");
  }

  @Test
  void aTemplateAskingForItsOwnWorkspaceGetsAChildWorktreeOnTheParentsProjectWhileAPlainChildSharesTheParents() throws Exception {
    var fakeProjects = new dev.maestro.testkit.services.FakeProjectService();
    var binding = new io.vertx.serviceproxy.ServiceBinder(h.vertx).setAddress(dev.maestro.contracts.project.ProjectService.ADDRESS)
        .register(dev.maestro.contracts.project.ProjectService.class, fakeProjects);
    try {
      await(binding.completion());
      String user = Harness.newUser();
      String parentId = h.newSession(user, null).getString("id");
      String projectId = fakeProjects.project("repo", user).getString("id");
      String parentBranch = await(fakeProjects.openSession(user, false, parentId, projectId, null)).getString("branch");
      await(h.sessions.createTemplate(user, new JsonObject().put("name", "coder").put("provider", "anthropic")
          .put("model", "claude-sonnet-4-5").put("systemPrompt", "You code.")
          .put("params", new JsonObject().put("subagentWorkspace", "own"))));
      Harness.Recorder rec = h.record(parentId);
      h.provider.fallback = req -> {
        String first = firstText(req);
        int n = req.getJsonArray("messages").size();
        if (first.startsWith("parent")) {
          return n == 1 ? List.of(toolCall("t1", "task", task("code", "child own").put("template", "coder")),
              toolCall("t2", "task", task("look", "child shared")), done("tool_use"))
              : List.of(text("parent done"), done("end_turn"));
        }
        return n == 1 ? List.of(toolCall(first.endsWith("own") ? "w1" : "w2", "echo", new JsonObject().put("write", first)), done("tool_use"))
            : List.of(text("wrote"), done("end_turn"));
      };
      await(h.sessions.send(user, parentId, "parent: two children"));
      rec.awaitTurnCompleted(1);

      JsonObject last = h.provider.requestsCopy().get(h.provider.requests.size() - 1);
      assertThat(resultText(toolResults(last).get("t1"))).isEqualTo("wrote");
      assertThat(resultText(toolResults(last).get("t2"))).isEqualTo("wrote");
      Map<String, JsonObject> byCall = new java.util.HashMap<>();
      for (JsonObject e : new ArrayList<>(h.tools.executed)) byCall.put(e.getString("callId"), e);
      String ownChild = byCall.get("w1").getString("sessionId");
      // the own-workspace child writes in its own worktree (tool-service's workspace of its own id), not the parent's
      assertThat(byCall.get("w1").getString("workspaceId")).isEqualTo(ownChild).isNotEqualTo(parentId);
      JsonObject childProject = fakeProjects.sessions.get(ownChild);
      assertThat(childProject.getString("projectId")).isEqualTo(projectId);
      assertThat(childProject.getString("baseRef")).isEqualTo(parentBranch);
      assertThat(childProject.getString("branch")).isEqualTo("maestro/" + ownChild.substring(0, 8));
      // without the param, a child works in its parent's workspace as before
      assertThat(byCall.get("w2").getString("workspaceId")).isEqualTo(parentId);
      assertThat(fakeProjects.sessions).containsOnlyKeys(parentId, ownChild);

      // the child's rows go with its parent's, and so does its worktree
      await(h.sessions.delete(user, parentId));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !fakeProjects.sessions.containsKey(ownChild));
    } finally {
      await(binding.unregister());
    }
  }
}
