package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project operations at the front door, hostile side: a member never learns of a project not granted
 * (404, and no session on it), cannot register a path, cannot reach another member's session's worktree;
 * bad input is a 400 problem naming the field, never a 5xx.
 */
class ProjectApiTest {
  static GatewayFixture fx;
  static String admin;
  static JsonObject alice;
  static JsonObject bob;

  @BeforeAll
  static void start() throws Exception {
    fx = new GatewayFixture();
    admin = fx.adminToken();
    alice = fx.newUser(admin, "member");
    bob = fx.newUser(admin, "member");
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  static JsonObject session(String projectId) {
    return new JsonObject().put("provider", "openai").put("model", "m").put("projectId", projectId);
  }

  @Test
  void aMemberSeesOnlyGrantedProjectsAndCannotStartASessionOnAnother() {
    String granted = fx.projects.project("granted-" + UUID.randomUUID().toString().substring(0, 6), alice.getString("id")).getString("id");
    String secret = fx.projects.project("secret-" + UUID.randomUUID().toString().substring(0, 6)).getString("id");
    JsonArray items = fx.get("/api/v1/projects", alice.getString("token")).json().getJsonArray("items");
    assertThat(items.stream().map(o -> ((JsonObject) o).getString("id"))).containsExactly(granted);
    assertThat(items.getJsonObject(0).containsKey("members")).as("members see a count, not who").isFalse();
    assertThat(fx.get("/api/v1/projects/" + secret, alice.getString("token")).status()).isEqualTo(404);
    int before = fx.sessions.sessions.size();
    Resp refused = fx.post("/api/v1/sessions", alice.getString("token"), session(secret));
    assertThat(refused.status()).isEqualTo(404);
    assertThat(fx.sessions.sessions.size()).as("no session was made").isEqualTo(before);

    Resp created = fx.post("/api/v1/sessions", alice.getString("token"), session(granted).put("baseRef", "main"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getString("id");
    assertThat(created.json().getJsonObject("project").getString("branch")).isEqualTo("maestro/" + id.substring(0, 8));
    assertThat(fx.get("/api/v1/sessions/" + id, alice.getString("token")).json().getJsonObject("project").getString("projectId"))
        .isEqualTo(granted);
    // bob cannot see or change alice's worktree
    for (String path : new String[] {"/changes", "/checkpoints"}) {
      assertThat(fx.get("/api/v1/sessions/" + id + path, bob.getString("token")).status()).as(path).isEqualTo(404);
    }
    assertThat(fx.post("/api/v1/sessions/" + id + "/commit", bob.getString("token"), new JsonObject().put("message", "x")).status()).isEqualTo(404);
    assertThat(fx.call(HttpMethod.POST, "/api/v1/sessions/" + id + "/discard", bob.getString("token"), null).status()).isEqualTo(404);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + id, alice.getString("token"), null).status()).isEqualTo(204);
    assertThat(fx.projects.sessions).doesNotContainKey(id);
  }

  @Test
  void membersCannotRegisterPathsAndBadInputIsA400() {
    Resp member = fx.post("/api/v1/projects", alice.getString("token"), new JsonObject().put("name", "mine").put("path", "/etc"));
    assertThat(member.status()).isEqualTo(403);
    for (JsonObject bad : new JsonObject[] {
        new JsonObject().put("name", "../x").put("path", "/srv/x"),
        new JsonObject().put("name", "ok").put("path", "relative/path"),
        new JsonObject().put("name", "ok").put("path", "/srv/x").put("extra", 1)}) {
      Resp r = fx.post("/api/v1/projects", admin, bad);
      assertThat(r.status()).as(bad.encode()).isEqualTo(400);
      assertThat(r.body()).doesNotContain("Exception");
    }
    Resp noProject = fx.post("/api/v1/sessions", alice.getString("token"), new JsonObject().put("provider", "openai").put("model", "m")
        .put("baseRef", "main"));
    assertThat(noProject.status()).isEqualTo(400);
    Resp badId = fx.post("/api/v1/sessions", alice.getString("token"), session("not-a-uuid"));
    assertThat(badId.status()).isEqualTo(400);
  }
}
