package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Compaction with a model table override giving small context windows. */
class CompactionTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    Path models = Files.createTempFile("models", ".json");
    Files.writeString(models, new JsonObject().put("models", new JsonObject()
        .put("small-model", new JsonObject().put("contextWindow", 2000).put("maxOutputTokens", 200).put("input", 1.0).put("output", 2.0))
        .put("tiny-model", new JsonObject().put("contextWindow", 300).put("maxOutputTokens", 100))).encode());
    h = Harness.start(new JsonObject().put(SessionSettings.MODELS_FILE, models.toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void clear() {
    h.provider.reset();
  }

  private void turn(String user, String id, Harness.Recorder rec, int n, long inputTokens) throws Exception {
    h.provider.script(text("answer " + n), usage(inputTokens, 50), done("end_turn"));
    await(h.sessions.send(user, id, "question " + n));
    rec.awaitTurnCompleted(n);
  }

  @Test
  void aTurnThatWouldOverflowTheWindowCompactsOlderMessagesFirst() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, new JsonObject().put("model", "small-model").put("tools", new JsonArray())).getString("id");
    Harness.Recorder rec = h.record(id);
    for (int n = 1; n <= 4; n++) turn(user, id, rec, n, 400L * n);
    assertThat(h.provider.requests).hasSize(4);

    // last measured context: 1600 + 50 tokens, plus 200 for the answer: over 80% of 2000
    h.provider.script(text("SUMMARY: questions 1 and 2 were answered."), usage(300, 20), done("end_turn"));
    h.provider.script(text("answer 5"), usage(500, 50), done("end_turn"));
    await(h.sessions.send(user, id, "question 5"));
    rec.awaitTurnCompleted(5);

    assertThat(h.provider.requests).hasSize(6);
    JsonObject summaryRequest = h.provider.requests.get(4);
    assertThat(summaryRequest.getString("system")).isEqualTo(Compaction.SYSTEM);
    assertThat(summaryRequest.getJsonArray("tools")).isEmpty();
    JsonArray sent = h.provider.requests.get(5).getJsonArray("messages");
    String first = sent.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text");
    assertThat(first).startsWith("Summary of the earlier conversation:").contains("questions 1 and 2");
    assertThat(sent.encode()).doesNotContain("question 1\"").doesNotContain("answer 1\"").contains("question 5");

    JsonArray stored = await(h.sessions.get(user, id)).getJsonArray("messages");
    // originals are kept, marked compacted; the summary is stored with its usage
    assertThat(stored.stream().filter(m -> ((JsonObject) m).getBoolean("compacted")).count()).isGreaterThanOrEqualTo(2);
    JsonObject summary = stored.stream().map(m -> (JsonObject) m).filter(m -> "summary".equals(m.getString("role"))).findFirst().orElseThrow();
    assertThat(summary.getJsonObject("usage").getLong("inputTokens")).isEqualTo(300);
    assertThat(stored.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("question 1");

    // a later turn after the session is reloaded from PostgreSQL still sends the summary first
    await(h.verticle.router().passivateNow(id));
    h.provider.script(text("answer 6"), usage(600, 50), done("end_turn"));
    await(h.sessions.send(user, id, "question 6"));
    rec.awaitTurnCompleted(6);
    JsonArray later = h.provider.requests.get(h.provider.requests.size() - 1).getJsonArray("messages");
    assertThat(later.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text")).startsWith("Summary of the earlier");
    assertThat(later.encode()).doesNotContain("question 1\"").contains("question 3", "question 6");
    JsonArray all = await(h.sessions.get(user, id)).getJsonArray("messages");
    assertThat(all.stream().map(m -> ((JsonObject) m).getJsonArray("content").getJsonObject(0).getString("text")).toList())
        .contains("question 1", "answer 6");
  }

  @Test
  void aUserCanAskForCompaction() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, new JsonObject().put("tools", new JsonArray())).getString("id");
    Harness.Recorder rec = h.record(id);
    for (int n = 1; n <= 5; n++) turn(user, id, rec, n, 100);
    h.provider.script(text("the summary"), done("end_turn"));
    await(h.sessions.compact(user, id));
    JsonObject compacted = rec.awaitType("compacted").getJsonObject("event");
    assertThat(compacted.getInteger("compactedMessages")).isEqualTo(4);
    JsonArray stored = await(h.sessions.get(user, id)).getJsonArray("messages");
    assertThat(stored).hasSize(11);
    assertThat(stored.getJsonObject(10).getString("id")).isEqualTo(compacted.getString("summaryMessageId"));
    assertThat(stored.getJsonObject(10).getString("role")).isEqualTo("summary");
    assertThat(stored.getJsonObject(0).getBoolean("compacted")).isTrue();
    assertThat(stored.getJsonObject(3).getBoolean("compacted")).isTrue();
    assertThat(stored.getJsonObject(4).getBoolean("compacted")).isFalse();
    // the summary is sent first, the kept messages after it
    h.provider.script(text("next"), done("end_turn"));
    await(h.sessions.send(user, id, "question 6"));
    rec.awaitTurnCompleted(6);
    JsonArray sent = h.provider.requests.get(h.provider.requests.size() - 1).getJsonArray("messages");
    assertThat(sent.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text")).contains("the summary");
    assertThat(sent.getJsonObject(0).getJsonArray("content").getJsonObject(1).getString("text")).isEqualTo("question 3");
  }

  @Test
  void compactingATooShortSessionSaysSo() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    await(h.sessions.compact(user, id));
    assertThat(rec.awaitType("compaction_failed").getJsonObject("event").getString("code")).isEqualTo("nothing_to_compact");
    assertThat(h.provider.requests).isEmpty();
  }

  @Test
  void aRequestTooLongForTheModelIsNeverSent() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, new JsonObject().put("model", "tiny-model").put("tools", new JsonArray())).getString("id");
    Harness.Recorder rec = h.record(id);
    await(h.sessions.send(user, id, "word ".repeat(400)));
    JsonObject done = rec.awaitTurnCompleted(1);
    assertThat(done.getJsonObject("event").getString("status")).isEqualTo("error");
    assertThat(rec.ofType("turn_error").get(0).getJsonObject("event").getString("code")).isEqualTo("context_too_long");
    assertThat(h.provider.requests).isEmpty();
  }
}
