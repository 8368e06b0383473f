package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.ElicitationForm;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MCP elicitation through a live session: a running tool call asks (requestElicitation, as
 * tool-service does), the user sees elicitation_required and answers (answerElicitation); the
 * answer, a timeout or the turn's cancel goes back to the call and is announced as elicitation_resolved.
 */
class ElicitationTest {
  static final long TIMEOUT_MS = 4000;
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(new JsonObject().put(ElicitationForm.TIMEOUT, String.valueOf(TIMEOUT_MS)));
    h.tools.policies.put("elicit", "allow");
  }

  @BeforeEach
  void resetProvider() {
    h.provider.reset();   // a cancelled turn leaves its second script behind
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  /** A session whose model calls the elicit tool once, then says "done"; waits for elicitation_required. */
  private record Asked(String user, String sessionId, Harness.Recorder rec, JsonObject event) {}

  private Asked ask() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    String callId = "c-" + java.util.UUID.randomUUID();
    h.provider.script(toolCall(callId, "elicit", new JsonObject()), done("tool_use"));
    h.provider.script(text("done"), done("end_turn"));
    await(h.sessions.send(user, id, "ask me"));
    JsonObject event = rec.awaitType("elicitation_required").getJsonObject("event");
    assertThat(event.getString("callId")).isEqualTo(callId);
    return new Asked(user, id, rec, event);
  }

  private static String toolResultText(Harness.Recorder rec) throws Exception {
    JsonObject result = rec.awaitType("tool_result").getJsonObject("event");
    return result.getJsonArray("content").getJsonObject(0).getString("text");
  }

  @Test
  void anAcceptedAnswerWithOmittedFieldsReachesTheToolWithTheSchemaDefaults() throws Exception {
    Asked a = ask();
    assertThat(a.event.getString("server")).isEqualTo("fake");
    assertThat(a.event.getString("message")).isEqualTo("Who are you?");
    assertThat(a.event.getJsonObject("schema")).isEqualTo(FakeTools.FORM);
    String id = a.event.getString("elicitationId");

    await(h.sessions.answerElicitation(a.user, a.sessionId, id, "accept", new JsonObject().put("name", "Ada")));

    JsonObject answer = new JsonObject(toolResultText(a.rec));
    assertThat(answer.getString("action")).isEqualTo("accept");
    assertThat(answer.getJsonObject("content")).isEqualTo(new JsonObject().put("name", "Ada").put("age", 30)
        .put("score", 95.5).put("status", "active").put("verified", true));
    JsonObject resolved = a.rec.awaitType("elicitation_resolved").getJsonObject("event");
    assertThat(resolved.getString("elicitationId")).isEqualTo(id);
    assertThat(resolved.getString("action")).isEqualTo("accept");
    assertThat(a.rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("complete");
    // answered once: a second answer conflicts
    assertThatThrownBy(() -> await(h.sessions.answerElicitation(a.user, a.sessionId, id, "decline", null)))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.CONFLICT));
  }

  @Test
  void aDeclineGoesBackWithoutContent() throws Exception {
    Asked a = ask();
    await(h.sessions.answerElicitation(a.user, a.sessionId, a.event.getString("elicitationId"), "decline",
        new JsonObject().put("name", "ignored")));
    JsonObject answer = new JsonObject(toolResultText(a.rec));
    assertThat(answer).isEqualTo(new JsonObject().put("action", "decline"));
    assertThat(a.rec.awaitType("elicitation_resolved").getJsonObject("event").getString("action")).isEqualTo("decline");
    a.rec.awaitTurnCompleted(1);
  }

  @Test
  void contentThatDoesNotFitTheSchemaIsABadRequestAndTheElicitationStaysOpen() throws Exception {
    Asked a = ask();
    String id = a.event.getString("elicitationId");
    assertThatThrownBy(() -> await(h.sessions.answerElicitation(a.user, a.sessionId, id, "accept",
        new JsonObject().put("age", "thirty").put("status", "retired"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
          assertThat(e.getMessage()).contains("age").contains("status");
          // the per-field problems survive the hop to the session's owner (the gateway's problem+json errors)
          assertThat(e.getDebugInfo().getJsonArray("errors").stream().map(x -> ((JsonObject) x).getString("field")))
              .contains("age", "status");
        });
    assertThatThrownBy(() -> await(h.sessions.answerElicitation(a.user, a.sessionId, id, "maybe", null)))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    assertThatThrownBy(() -> await(h.sessions.answerElicitation(a.user, a.sessionId, "no-such-id", "accept", null)))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
    // somebody else's session is not found either
    assertThatThrownBy(() -> await(h.sessions.answerElicitation(Harness.newUser(), a.sessionId, id, "accept", null)))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
    assertThat(a.rec.ofType("elicitation_resolved")).isEmpty();
    await(h.sessions.answerElicitation(a.user, a.sessionId, id, "accept", null));
    assertThat(new JsonObject(toolResultText(a.rec)).getJsonObject("content").getInteger("age")).isEqualTo(30);
    a.rec.awaitTurnCompleted(1);
  }

  @Test
  void cancellingTheTurnCancelsThePendingElicitation() throws Exception {
    Asked a = ask();
    await(h.sessions.cancel(a.user, a.sessionId));
    JsonObject resolved = a.rec.awaitType("elicitation_resolved").getJsonObject("event");
    assertThat(resolved.getString("action")).isEqualTo("cancel");
    assertThat(a.rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("cancelled");
    assertThat(a.rec.types().indexOf("elicitation_resolved")).isLessThan(a.rec.types().indexOf("turn_completed"));
    assertThatThrownBy(() -> await(h.sessions.answerElicitation(a.user, a.sessionId, a.event.getString("elicitationId"), "accept", null)))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.CONFLICT));
  }

  @Test
  void anUnansweredElicitationIsCancelledAfterTheTimeout() throws Exception {
    Asked a = ask();
    long t0 = System.currentTimeMillis();
    JsonObject resolved = a.rec.await(e -> "elicitation_resolved".equals(e.getString("type")), TIMEOUT_MS + 10_000)
        .getJsonObject("event");
    assertThat(resolved.getString("action")).isEqualTo("cancel");
    assertThat(System.currentTimeMillis() - t0).isGreaterThanOrEqualTo(TIMEOUT_MS - 1000);
    assertThat(new JsonObject(toolResultText(a.rec))).isEqualTo(new JsonObject().put("action", "cancel"));
    a.rec.awaitTurnCompleted(1);
  }

  @Test
  void aRequestForACallThatIsNotRunningIsCancelledAtOnce() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    JsonObject answer = await(h.sessions.requestElicitation(id, new JsonObject().put("callId", "nope")
        .put("server", "x").put("message", "?").put("schema", FakeTools.FORM)));
    assertThat(answer).isEqualTo(new JsonObject().put("action", "cancel"));
    assertThatThrownBy(() -> await(h.sessions.requestElicitation(id, new JsonObject().put("callId", "nope"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
  }
}
