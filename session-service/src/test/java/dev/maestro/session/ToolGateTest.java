package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ToolGate as a plain class over the FakeTools contract fake (echo answers at once, block when
 * cancelled), driven from the test thread: policies, approvals, elicitation bookkeeping, an early end.
 */
class ToolGateTest {
  private final Vertx vertx = Vertx.vertx();
  private final FakeTools tools = new FakeTools(vertx);
  private final List<JsonObject> published = new ArrayList<>();
  private final Map<String, String> resolved = ToolGate.resolvedLedger();
  private final ToolGate gate = new ToolGate("s-1", tools, vertx, SessionSettings.from(new JsonObject()), published::add, resolved);

  @AfterEach
  void close() {
    vertx.close();
  }

  private static JsonObject call(String id, String name) {
    return new JsonObject().put("callId", id).put("name", name).put("arguments", new JsonObject().put("n", id));
  }

  private void offer(String... namePolicy) {
    List<JsonObject> offered = new ArrayList<>();
    for (int i = 0; i < namePolicy.length; i += 2) {
      offered.add(new JsonObject().put("name", namePolicy[i]).put("policy", namePolicy[i + 1]).put("enabled", true));
    }
    gate.offer(offered);
  }

  private List<String> types() {
    return published.stream().map(e -> e.getString("type")).toList();
  }

  @Test
  void allowedCallsRunWithTheSessionIdAndDeniedOrUnknownOnesAnswerErrorsWithoutRunning() {
    offer("echo", "allow", "rm", "deny");
    Future<JsonArray> parts = gate.run(List.of(call("a", "echo"), call("b", "rm"), call("c", "nope")));
    assertThat(parts.succeeded()).isTrue();
    assertThat(parts.result()).extracting(p -> ((JsonObject) p).getString("callId") + ":" + ((JsonObject) p).getBoolean("isError"))
        .containsExactly("a:false", "b:true", "c:true");
    assertThat(tools.executed).hasSize(1);
    assertThat(tools.executed.get(0).getString("sessionId")).isEqualTo("s-1");
    assertThat(types()).containsExactly("tool_result", "tool_result", "tool_result");
  }

  /** The session's own gate answers a denied, disabled or unknown tool in tool-service's words (contracts ToolResults). */
  @Test
  void gatedCallsAnswerWithTheSameTextsAsToolService() {
    List<JsonObject> offered = new ArrayList<>(List.of(
        new JsonObject().put("name", "echo").put("policy", "allow").put("enabled", true),
        new JsonObject().put("name", "rm").put("policy", "deny").put("enabled", true),
        new JsonObject().put("name", "off").put("policy", "allow").put("enabled", false)));
    gate.offer(offered);
    JsonArray parts = gate.run(List.of(call("b", "rm"), call("c", "nope"), call("d", "off"))).result();
    assertThat(parts).extracting(p -> ((JsonObject) p).getJsonArray("content").getJsonObject(0).getString("text")).containsExactly(
        "tool 'rm' is denied by policy; it cannot be run",
        "unknown tool 'nope'. Available tools: echo, rm",
        "tool 'off' is disabled");
    assertThat(tools.executed).isEmpty();
  }

  /** Drain (issue 17): a round that only waits for approvals is parked; the next owner's gate asks again and runs each call once. */
  @Test
  void aRoundWaitingOnlyForApprovalsIsParkedAndGoesOnAtTheNextOwnerWithoutRunningAFinishedCallAgain() {
    offer("echo", "allow", "guarded", "ask", "block", "allow");
    ToolGate busy = new ToolGate("s-1", tools, vertx, SessionSettings.from(new JsonObject()), e -> { }, resolved);
    busy.offer(List.of(new JsonObject().put("name", "block").put("policy", "allow"), new JsonObject().put("name", "guarded").put("policy", "ask")));
    busy.run(List.of(call("r", "block"), call("w", "guarded")));
    assertThat(busy.parkState()).as("a call still runs: it cannot move").isNull();

    gate.run(List.of(call("a", "echo"), call("b", "guarded")));
    JsonObject state = gate.parkState();
    assertThat(state.getJsonArray("calls").stream().map(c -> ((JsonObject) c).getString("callId")).toList()).containsExactly("a", "b");
    assertThat(state.getJsonObject("results").fieldNames()).containsExactly("a");
    assertThat(state.getJsonArray("waiting").getJsonObject(0).getString("callId")).isEqualTo("b");
    long since = state.getJsonArray("waiting").getJsonObject(0).getLong("since");
    gate.parked();
    assertThat(gate.approve("b", "allow").failed()).as("nothing waits here any more").isTrue();

    List<JsonObject> there = new ArrayList<>();
    ToolGate next = new ToolGate("s-1", tools, vertx, SessionSettings.from(new JsonObject()), there::add, resolved);
    List<JsonObject> calls = new ArrayList<>();
    state.getJsonArray("calls").forEach(c -> calls.add((JsonObject) c));
    Future<JsonArray> parts = next.resume(calls, state.getJsonObject("results"), Map.of("b", since));
    assertThat(there).hasSize(1);
    assertThat(there.get(0).getString("type")).isEqualTo("approval_required");
    assertThat(there.get(0).getString("callId")).isEqualTo("b");
    assertThat(there.get(0).getBoolean("restored")).isTrue();
    assertThat(parts.isComplete()).isFalse();
    assertThat(next.approve("b", "allow").succeeded()).isTrue();
    assertThat(parts.result()).extracting(p -> ((JsonObject) p).getString("callId") + ":" + ((JsonObject) p).getBoolean("isError"))
        .containsExactly("a:false", "b:false");
    assertThat(tools.executed.stream().map(c -> c.getString("callId")).toList()).containsExactly("r", "a", "b");
  }

  @Test
  void anAskCallWaitsForTheUsersDecision() {
    offer("echo", "ask");
    Future<JsonArray> parts = gate.run(List.of(call("a", "echo"), call("b", "echo")));
    assertThat(types()).containsExactly("approval_required", "approval_required");
    assertThat(gate.approve("zzz", "allow").failed()).isTrue();
    gate.approve("b", "deny");
    assertThat(parts.isComplete()).isFalse();
    gate.approve("a", "allow");
    assertThat(parts.result().getJsonObject(0).getBoolean("isError")).isFalse();
    assertThat(parts.result().getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("The user denied this tool call.");
    assertThat(tools.executed).extracting(c -> c.getString("callId")).containsExactly("a");
  }

  @Test
  void anEarlyEndCancelsRunningCallsInTheirSessionAndRecordsWhatDidNotRun() {
    offer("echo", "allow", "block", "allow", "ask", "ask");
    Future<JsonArray> parts = gate.run(List.of(call("a", "echo"), call("b", "block"), call("c", "ask")));
    gate.cancelRunning();
    JsonArray left = gate.close("cancelled");
    assertThat(tools.cancelledInSession).contains("s-1/b");
    // echo had finished: its result is kept; block and the unanswered ask are recorded as not run
    assertThat(left).extracting(p -> ((JsonObject) p).getString("callId")).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(left.stream().map(p -> (JsonObject) p).filter(p -> !"a".equals(p.getString("callId")))
        .allMatch(p -> p.getBoolean("isError"))).isTrue();
    assertThat(parts.result()).isNull();
    assertThat(tools.executed).extracting(c -> c.getString("callId")).doesNotContain("c");
  }

  @Test
  void elicitationsAreAnsweredOnceAndOnlyForRunningCalls() {
    offer("block", "allow");
    gate.run(List.of(call("b", "block")));
    JsonObject form = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("name", new JsonObject().put("type", "string").put("default", "Ann")));
    assertThat(gate.elicit(new JsonObject().put("callId", "other").put("schema", form)).result().getString("action")).isEqualTo("cancel");
    Future<JsonObject> answer = gate.elicit(new JsonObject().put("callId", "b").put("server", "srv").put("message", "who?").put("schema", form));
    JsonObject required = published.stream().filter(e -> "elicitation_required".equals(e.getString("type"))).findFirst().orElseThrow();
    String id = required.getString("elicitationId");
    Future<JsonObject> bad = gate.answer(id, "accept", new JsonObject().put("name", 42));
    assertThat(((ServiceException) bad.cause()).failureCode()).isEqualTo(400);
    assertThat(gate.answer(id, "accept", new JsonObject()).succeeded()).isTrue();
    assertThat(answer.result()).isEqualTo(new JsonObject().put("action", "accept").put("content", new JsonObject().put("name", "Ann")));
    assertThat(((ServiceException) gate.answer(id, "decline", null).cause()).failureCode()).isEqualTo(409);
    assertThat(((ServiceException) gate.answer("unknown", "decline", null).cause()).failureCode()).isEqualTo(404);
    assertThat(resolved).containsEntry(id, "accept");
  }
}
