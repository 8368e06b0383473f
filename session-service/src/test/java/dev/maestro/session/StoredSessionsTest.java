package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CRUD, list with cursor, search, templates, fork, export and import — all on real PostgreSQL. */
class StoredSessionsTest {
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

  /** A session with one finished turn: user "question", assistant "answer" (plus a tool round). */
  private JsonObject sessionWithTurn(String user, String question, String answer) throws Exception {
    JsonObject s = h.newSession(user, new JsonObject().put("title", "about " + question));
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(toolCall("t-" + question, "echo", new JsonObject().put("q", question)), usage(100, 10), done("tool_use"));
    h.provider.script(text(answer), usage(150, 20), done("end_turn"));
    await(h.sessions.send(user, s.getString("id"), question));
    rec.awaitTurnCompleted(1);
    rec.follow.close();
    return await(h.sessions.get(user, s.getString("id")));
  }

  @Test
  void createUpdateListAndDelete() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, new JsonObject().put("systemPrompt", "be brief").put("tools", new JsonArray().add("echo")));
    assertThat(s.getString("id")).isNotBlank();
    assertThat(s.getString("systemPrompt")).isEqualTo("be brief");
    assertThat(s.getJsonArray("tools")).containsExactly("echo");
    assertThat(s.containsKey("userId")).isFalse();
    JsonObject patched = await(h.sessions.update(user, s.getString("id"), new JsonObject().put("title", "renamed").put("model", "gpt-5")));
    assertThat(patched.getString("title")).isEqualTo("renamed");
    assertThat(patched.getString("model")).isEqualTo("gpt-5");
    assertThat(patched.getString("systemPrompt")).isEqualTo("be brief");
    JsonObject list = await(h.sessions.list(user, new JsonObject()));
    assertThat(list.getJsonArray("items")).hasSize(1);
    JsonObject item = list.getJsonArray("items").getJsonObject(0);
    assertThat(item.fieldNames()).contains("id", "title", "provider", "model", "createdAt", "updatedAt", "messageCount", "openIn");
    await(h.sessions.delete(user, s.getString("id")));
    assertThatThrownBy(() -> await(h.sessions.get(user, s.getString("id"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
  }

  @Test
  void badInputIsRefusedWithTheField() throws Exception {
    String user = Harness.newUser();
    assertThatThrownBy(() -> await(h.sessions.create(user, new JsonObject().put("model", "m"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
          assertThat(e.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("provider");
        });
    assertThatThrownBy(() -> await(h.sessions.create(user, new JsonObject().put("provider", "openai").put("model", "m")
        .put("tools", "all")))).isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    JsonObject s = h.newSession(user, null);
    assertThatThrownBy(() -> await(h.sessions.send(user, s.getString("id"), "  ")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    assertThatThrownBy(() -> await(h.sessions.approve(user, s.getString("id"), "c", "maybe")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    assertThatThrownBy(() -> await(h.sessions.list(user, new JsonObject().put("cursor", "garbage"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    assertThatThrownBy(() -> await(h.sessions.export(user, s.getString("id"), "pdf")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
  }

  @Test
  void listPagesWithACursorWithoutRepeatsOrGaps() throws Exception {
    String user = Harness.newUser();
    Set<String> created = new HashSet<>();
    for (int i = 0; i < 7; i++) created.add(h.newSession(user, new JsonObject().put("title", "s" + i)).getString("id"));
    Set<String> seen = new HashSet<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject q = new JsonObject().put("limit", 3);
      if (cursor != null) q.put("cursor", cursor);
      JsonObject page = await(h.sessions.list(user, q));
      page.getJsonArray("items").forEach(i -> assertThat(seen.add(((JsonObject) i).getString("id"))).isTrue());
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).isEqualTo(created);
  }

  @Test
  void searchFindsTitlesAndMessageTextOfOnlyTheUsersSessions() throws Exception {
    String user = Harness.newUser();
    JsonObject a = sessionWithTurn(user, "kubernetes", "Use a deployment with zebrafish replicas");
    JsonObject b = sessionWithTurn(user, "postgres", "Vacuum regularly");
    sessionWithTurn(Harness.newUser(), "kubernetes", "zebrafish elsewhere");
    List<String> byAnswer = ids(await(h.sessions.list(user, new JsonObject().put("q", "zebrafish"))));
    assertThat(byAnswer).containsExactly(a.getString("id"));
    List<String> byTitlePrefix = ids(await(h.sessions.list(user, new JsonObject().put("q", "postg"))));
    assertThat(byTitlePrefix).containsExactly(b.getString("id"));
    assertThat(ids(await(h.sessions.list(user, new JsonObject().put("q", "nothing-matches-this"))))).isEmpty();
    assertThat(ids(await(h.sessions.list(user, new JsonObject().put("q", "!!!"))))).isEmpty();
  }

  @Test
  void templatesCrudAndASessionCreatedFromOneCopiesItsSettings() throws Exception {
    String user = Harness.newUser();
    JsonObject t = await(h.sessions.createTemplate(user, new JsonObject().put("name", "reviewer").put("description", "reviews code")
        .put("provider", "openai").put("model", "gpt-5").put("systemPrompt", "You review code.")
        .put("tools", new JsonArray().add("echo")).put("params", new JsonObject().put("temperature", 0.2).put("maxTokens", 1000))));
    assertThat(await(h.sessions.getTemplate(user, t.getString("id"))).getString("systemPrompt")).isEqualTo("You review code.");
    assertThat(await(h.sessions.listTemplates(user, new JsonObject())).getJsonArray("items")).hasSize(1);
    assertThatThrownBy(() -> await(h.sessions.getTemplate(Harness.newUser(), t.getString("id"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));

    JsonObject s = await(h.sessions.create(user, new JsonObject().put("templateId", t.getString("id"))));
    assertThat(s.getString("provider")).isEqualTo("openai");
    assertThat(s.getString("model")).isEqualTo("gpt-5");
    assertThat(s.getString("systemPrompt")).isEqualTo("You review code.");
    assertThat(s.getJsonArray("tools")).containsExactly("echo");
    assertThat(s.getJsonObject("params").getDouble("temperature")).isEqualTo(0.2);
    assertThat(s.getString("templateId")).isEqualTo(t.getString("id"));

    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(text("lgtm"), done("end_turn"));
    h.provider.requests.clear();
    await(h.sessions.send(user, s.getString("id"), "review this"));
    rec.awaitTurnCompleted(1);
    JsonObject req = h.provider.requests.get(0);
    assertThat(req.getString("system")).isEqualTo("You review code.");
    assertThat(req.getDouble("temperature")).isEqualTo(0.2);
    assertThat(req.getInteger("maxTokens")).isEqualTo(1000);
    assertThat(req.getJsonArray("tools").stream().map(x -> ((JsonObject) x).getString("name")).toList()).containsExactly("echo");

    JsonObject updated = await(h.sessions.updateTemplate(user, t.getString("id"), t.copy().put("name", "strict reviewer")));
    assertThat(updated.getString("name")).isEqualTo("strict reviewer");
    await(h.sessions.deleteTemplate(user, t.getString("id")));
    assertThatThrownBy(() -> await(h.sessions.getTemplate(user, t.getString("id"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
  }

  @Test
  void forkCopiesTheHistoryUpToTheChosenMessage() throws Exception {
    String user = Harness.newUser();
    JsonObject s = sessionWithTurn(user, "forking", "the answer");
    JsonArray msgs = s.getJsonArray("messages");
    assertThat(msgs).hasSize(4);
    JsonObject all = await(h.sessions.fork(user, s.getString("id"), null));
    assertThat(all.getString("id")).isNotEqualTo(s.getString("id"));
    assertThat(all.getString("forkedFrom")).isEqualTo(s.getString("id"));
    assertThat(contents(all)).isEqualTo(contents(s));
    JsonObject firstTwo = await(h.sessions.fork(user, s.getString("id"), msgs.getJsonObject(1).getString("id")));
    assertThat(firstTwo.getJsonArray("messages")).hasSize(2);
    assertThat(firstTwo.getInteger("messageCount")).isEqualTo(2);
    // the fork goes on by itself: the model sees the copied history
    Harness.Recorder rec = h.record(firstTwo.getString("id"));
    h.provider.requests.clear();
    h.provider.script(text("continuing"), done("end_turn"));
    await(h.sessions.send(user, firstTwo.getString("id"), "go on"));
    rec.awaitTurnCompleted(1);
    JsonArray sent = h.provider.requests.get(0).getJsonArray("messages");
    assertThat(sent.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("forking");
    assertThat(await(h.sessions.get(user, s.getString("id"))).getJsonArray("messages")).hasSize(4);
    assertThatThrownBy(() -> await(h.sessions.fork(user, s.getString("id"), "00000000-0000-0000-0000-000000000000")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.NOT_FOUND));
  }

  @Test
  void exportThenImportRoundTripsTheConversation() throws Exception {
    String user = Harness.newUser();
    JsonObject s = sessionWithTurn(user, "exporting", "**bold** answer");
    JsonObject json = await(h.sessions.export(user, s.getString("id"), "json"));
    assertThat(json.getString("contentType")).isEqualTo("application/json");
    JsonObject doc = new JsonObject(json.getString("body"));
    String other = Harness.newUser();
    JsonObject imported = await(h.sessions.importSession(other, doc));
    assertThat(imported.getString("id")).isNotEqualTo(s.getString("id"));
    assertThat(imported.getString("title")).isEqualTo(s.getString("title"));
    assertThat(imported.getString("model")).isEqualTo(s.getString("model"));
    assertThat(contents(imported)).isEqualTo(contents(s));
    assertThat(imported.getJsonObject("usage").getLong("inputTokens")).isEqualTo(s.getJsonObject("usage").getLong("inputTokens"));
    assertThat(imported.getJsonObject("usage").getDouble("costUsd")).isEqualTo(s.getJsonObject("usage").getDouble("costUsd"));
    // a second export of the import is the same document but for the timestamp of the export
    JsonObject again = new JsonObject(await(h.sessions.export(other, imported.getString("id"), "json")).getString("body"));
    doc.remove("exportedAt");
    again.remove("exportedAt");
    doc.getJsonObject("session").remove("createdAt");
    again.getJsonObject("session").remove("createdAt");
    assertThat(again).isEqualTo(doc);

    String md = await(h.sessions.export(user, s.getString("id"), "markdown")).getString("body");
    assertThat(md).startsWith("# about exporting").contains("## User", "exporting", "## Assistant", "**bold** answer",
        "**Tool call** `echo`", "**Tool result**");

    assertThatThrownBy(() -> await(h.sessions.importSession(user, new JsonObject().put("format", "other"))))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST));
    JsonObject broken = doc.copy();
    broken.getJsonArray("messages").getJsonObject(0).put("role", "wizard");
    assertThatThrownBy(() -> await(h.sessions.importSession(user, broken)))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.getMessage()).contains("messages[0].role"));
  }

  private static List<String> ids(JsonObject list) {
    return list.getJsonArray("items").stream().map(i -> ((JsonObject) i).getString("id")).toList();
  }

  private static List<Object> contents(JsonObject s) {
    return s.getJsonArray("messages").stream().map(m -> List.of(((JsonObject) m).getString("role"),
        ((JsonObject) m).getJsonArray("content"), ((JsonObject) m).getString("status"))).map(x -> (Object) x).toList();
  }
}
