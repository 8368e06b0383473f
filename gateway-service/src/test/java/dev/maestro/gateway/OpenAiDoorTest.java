package dev.maestro.gateway;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAI-compatible door after a gap in a turn's events (issue 17, a partition): session-service hands
 * out a {@code truncated} marker for the deltas nobody holds, then the turn's end. The door must answer
 * with the reply PostgreSQL stored, not with the deltas it happened to relay: non-streaming the stored
 * text, streaming the missing rest as one more chunk before the stop chunk. The fake session service plays
 * session-service: a delta, the marker, the end, with the whole reply in the stored session.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiDoorTest {
  static final String STORED = "The whole answer, as PostgreSQL holds it.";

  GatewayFixture fx;
  String token;
  String userId;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    fx.sessions.quietSend = true; // the test plays the turn's events itself
    JsonObject member = fx.newUser(fx.adminToken(), "member");
    token = member.getString("token");
    userId = member.getString("id");
    assertThat(fx.post("/api/v1/credentials", token, new JsonObject().put("provider", "openai").put("label", "k")
        .put("apiKey", "sk-test-0000")).status()).isEqualTo(201);
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void aNonStreamingAnswerAfterAGapIsTheStoredReply() throws Exception {
    Future<HttpResponse<Buffer>> call = chat(false, "question one");
    gapThenEnd(sessionOf("question one"), "The whole ", STORED);
    HttpResponse<Buffer> r = call.await(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject completion = r.bodyAsJsonObject();
    assertThat(completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content")).isEqualTo(STORED);
    // the message_completed with the usage was among the lost events: the stored usage counts
    assertThat(completion.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(7L);
  }

  @Test
  void aStreamAfterAGapGetsTheMissingRestBeforeTheStopChunk() throws Exception {
    Future<HttpResponse<Buffer>> call = chat(true, "question two");
    gapThenEnd(sessionOf("question two"), "The whole ", STORED);
    List<JsonObject> chunks = chunks(call.await(20, TimeUnit.SECONDS));
    assertThat(content(chunks)).isEqualTo(STORED);
    int stop = indexOfStop(chunks);
    assertThat(chunks.get(stop - 1).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content"))
        .isEqualTo("answer, as PostgreSQL holds it.");
  }

  @Test
  void aStreamWhoseRelayedPartTheStoreDoesNotContinueGetsTheStoredReplyWholeAfterABlankLine() throws Exception {
    Future<HttpResponse<Buffer>> call = chat(true, "question three");
    gapThenEnd(sessionOf("question three"), "A draft that was not kept", STORED);
    assertThat(content(chunks(call.await(20, TimeUnit.SECONDS)))).isEqualTo("A draft that was not kept\n\n" + STORED);
  }

  @Test
  void whenTheStoredReplyCannotBeReadWhatWasRelayedStands() throws Exception {
    Future<HttpResponse<Buffer>> call = chat(false, "question four");
    String session = sessionOf("question four");
    String turn = UUID.randomUUID().toString();
    fx.sessions.emit(session, SessionEvents.turnStarted(turn));
    fx.sessions.emit(session, SessionEvents.messageStarted(UUID.randomUUID().toString(), "assistant"));
    fx.sessions.emit(session, SessionEvents.delta("The whole "));
    fx.sessions.announceGap(session, 3, turn);
    fx.sessions.sessions.remove(session); // get answers 404 from now on
    fx.sessions.emit(session, SessionEvents.turnCompleted(turn, SessionEvents.COMPLETE));
    HttpResponse<Buffer> r = call.await(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo("The whole ");
  }

  private Future<HttpResponse<Buffer>> chat(boolean stream, String question) {
    JsonObject body = new JsonObject().put("model", "openai/gpt-test").put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", question)));
    return fx.client.request(HttpMethod.POST, fx.port(), "127.0.0.1", "/v1/chat/completions")
        .putHeader("Authorization", "Bearer " + token).sendJson(body);
  }

  /** The call's session once its turn was sent (the door follows the session before it sends). */
  private String sessionOf(String question) {
    return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
      for (JsonObject s : fx.sessions.sessions.values()) {
        if (userId.equals(s.getString("userId")) && s.getJsonArray("messages").encode().contains(question)) return s.getString("id");
      }
      return null;
    }, id -> id != null);
  }

  /**
   * As a client sees a turn after a partition: its start and first delta, then a marker for the numbers whose
   * events (the other deltas, message_completed) nobody holds, then the end; the stored reply is whole.
   */
  private void gapThenEnd(String session, String relayed, String stored) {
    String turn = UUID.randomUUID().toString();
    String reply = UUID.randomUUID().toString();
    fx.sessions.emit(session, SessionEvents.turnStarted(turn));
    fx.sessions.emit(session, SessionEvents.messageStarted(reply, "assistant"));
    fx.sessions.emit(session, SessionEvents.delta(relayed));
    fx.sessions.sessions.get(session).getJsonArray("messages").add(new JsonObject().put("id", reply).put("turnId", turn)
        .put("role", "assistant").put("status", "complete")
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", stored)))
        .put("usage", new JsonObject().put("inputTokens", 5).put("outputTokens", 7)));
    fx.sessions.announceGap(session, 3, turn);
    fx.sessions.emit(session, SessionEvents.turnCompleted(turn, SessionEvents.COMPLETE));
  }

  private static List<JsonObject> chunks(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    String body = r.bodyAsString();
    assertThat(body).endsWith("data: [DONE]\n\n");
    List<JsonObject> out = new ArrayList<>();
    for (String event : body.split("\n\n")) {
      if (event.startsWith("data: {")) out.add(new JsonObject(event.substring("data: ".length())));
    }
    return out;
  }

  private static String content(List<JsonObject> chunks) {
    StringBuilder sb = new StringBuilder();
    for (JsonObject c : chunks) {
      JsonArray choices = c.getJsonArray("choices");
      if (choices != null && !choices.isEmpty() && choices.getJsonObject(0).getJsonObject("delta") != null) {
        sb.append(choices.getJsonObject(0).getJsonObject("delta").getString("content", ""));
      }
    }
    return sb.toString();
  }

  private static int indexOfStop(List<JsonObject> chunks) {
    for (int i = 0; i < chunks.size(); i++) {
      if ("stop".equals(chunks.get(i).getJsonArray("choices").getJsonObject(0).getString("finish_reason"))) return i;
    }
    throw new AssertionError("no stop chunk in " + chunks);
  }
}
