package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16 through the front door: queue and steer on the API and the WebSocket, the queue of a
 * session, the running-now list and "allow for this session" — and another member's ids (404), bad
 * input (documented 4xx problem+json).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuntimeApiTest {
  GatewayFixture fx;
  String alice;
  String bob;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    String admin = fx.adminToken();
    alice = fx.newUser(admin, "member").getString("token");
    bob = fx.newUser(admin, "member").getString("token");
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void queuedMessagesAreListedEditedAndRemovedByTheirOwnerOnly() {
    String session = fx.newSession(alice);
    String bobs = fx.newSession(bob);
    Resp sent = fx.post("/api/v1/sessions/" + session + "/messages", alice, new JsonObject().put("text", "later").put("mode", "queue"));
    assertThat(sent.status()).as(sent.body()).isEqualTo(202);
    String messageId = sent.json().getString("messageId");
    assertThat(sent.json().getBoolean("queued")).isTrue();

    Resp list = fx.get("/api/v1/sessions/" + session + "/queue", alice);
    assertThat(list.json().getJsonArray("items").getJsonObject(0).getString("text")).isEqualTo("later");
    Resp edited = fx.call(HttpMethod.PATCH, "/api/v1/sessions/" + session + "/queue/" + messageId, alice, new JsonObject().put("text", "sooner"));
    assertThat(edited.status()).isEqualTo(200);
    assertThat(edited.json().getString("text")).isEqualTo("sooner");
    Resp runs = fx.get("/api/v1/runs", alice);
    assertThat(runs.json().getJsonArray("items").getJsonObject(0).getString("sessionId")).isEqualTo(session);

    // another member: every id of alice's answers 404, also with bob's own session in the path
    JsonObject text = new JsonObject().put("text", "x");
    for (Resp r : new Resp[] {
        fx.get("/api/v1/sessions/" + session + "/queue", bob),
        fx.call(HttpMethod.PATCH, "/api/v1/sessions/" + session + "/queue/" + messageId, bob, text),
        fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + session + "/queue/" + messageId, bob, null),
        fx.call(HttpMethod.PATCH, "/api/v1/sessions/" + bobs + "/queue/" + messageId, bob, text),
        fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + bobs + "/queue/" + messageId, bob, null),
        fx.post("/api/v1/sessions/" + session + "/messages", bob, text.copy().put("mode", "steer")),
        fx.post("/api/v1/sessions/" + session + "/approvals/call-1", bob, new JsonObject().put("decision", "allow").put("forSession", true)),
        fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + session + "/queue/not-a-uuid", alice, null)}) {
      assertThat(r.status()).as(r.body()).isEqualTo(404);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }
    assertThat(fx.get("/api/v1/runs", bob).json().getJsonArray("items")).isEmpty();
    assertThat(fx.get("/api/v1/sessions/" + session + "/queue", alice).json().getJsonArray("items").getJsonObject(0).getString("text"))
        .isEqualTo("sooner");

    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + session + "/queue/" + messageId, alice, null).status()).isEqualTo(204);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + session + "/queue/" + messageId, alice, null).status()).isEqualTo(404);
  }

  @Test
  void badModesAndStatusesAreDocumentedProblems() {
    String session = fx.newSession(alice);
    for (Resp r : new Resp[] {
        fx.post("/api/v1/sessions/" + session + "/messages", alice, new JsonObject().put("text", "x").put("mode", "later")),
        fx.call(HttpMethod.PATCH, "/api/v1/sessions/" + session, alice, new JsonObject().put("mode", "yolo")),
        fx.call(HttpMethod.PATCH, "/api/v1/sessions/" + session + "/queue/" + UUID.randomUUID(), alice, new JsonObject().put("text", "")),
        fx.post("/api/v1/sessions/" + session + "/approvals/c1", alice, new JsonObject().put("decision", "allow").put("forSession", "yes")),
        fx.get("/api/v1/runs?status=sleeping", alice)}) {
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.body()).doesNotContain("Exception");
    }
  }

  @Test
  void theWebSocketQueuesSteersAndAllowsForTheSession() throws Exception {
    String session = fx.newSession(alice);
    GatewayFixture.Ws ws = fx.ws(alice);
    fx.subscribe(ws, session, null);
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "after this").put("mode", "steer"));
    JsonObject queued = ws.next(f -> "event".equals(f.getString("type"))
        && "message_queued".equals(f.getJsonObject("event").getString("type")), Duration.ofSeconds(10));
    assertThat(queued.getJsonObject("event").getString("mode")).isEqualTo("steer");
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "x").put("mode", "whenever"));
    assertThat(ws.next("error").getString("code")).isEqualTo("bad_frame");
    ws.send(new JsonObject().put("type", "approve").put("sessionId", session).put("callId", "c9").put("decision", "allow")
        .put("forSession", true));
    ws.next(f -> "ack".equals(f.getString("type")) && "approve".equals(f.getString("action")), Duration.ofSeconds(10));
    assertThat(fx.runtime.calls).anyMatch(c -> "c9".equals(c.getString("callId")) && "allowForSession".equals(c.getString("op")));
  }
}
