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

  static String[] browser(JsonObject user) {
    return fx.browser(user);
  }

  static String page(String cookie, String path) {
    return fx.page(cookie, path);
  }

  static int form(String[] b, String path, String... pairs) {
    return fx.form(b, path, pairs);
  }

  @Test
  void theChatPageShowsTheProjectAndAColouredChangesPanelWithCommitDiscardAndUndo() {
    String[] b = browser(alice);
    String pid = fx.projects.project("webshop", alice.getString("id")).getString("id");
    fx.auth.createCredential(alice.getString("id"), new JsonObject().put("provider", "openai").put("kind", "api_key").put("label", "k")
        .put("apiKey", "sk-test-1234")).await();
    assertThat(page(b[0], "/sessions")).contains("name=\"projectId\"").contains(">webshop (main)</option>");
    assertThat(page(b[0], "/projects")).contains("webshop").doesNotContain("Add a project");
    String sid = fx.sessions.create(alice.getString("id"), new JsonObject().put("provider", "openai").put("model", "m")).await().getString("id");
    fx.projects.openSession(alice.getString("id"), false, sid, pid, null).await();
    String chat = page(b[0], "/sessions/" + sid);
    assertThat(chat).contains("branch <code>maestro/" + sid.substring(0, 8) + "</code>")
        .contains("<span class=\"dl dl-del\">-hello world</span>").contains("<span class=\"dl dl-add\">+hello worktree</span>")
        .contains("id=\"commit\"").contains("id=\"discard\"").contains("Undo this turn");
    assertThat(page(b[0], "/sessions/" + sid + "/changes")).startsWith("<section class=\"card changes\" id=\"changes\"");
    assertThat(form(b, "/sessions/" + sid + "/commit", "message", "Ship it")).isEqualTo(303);
    assertThat(page(b[0], "/sessions/" + sid)).contains("Committed 0123456789 on maestro/").contains("No uncommitted changes.");
    assertThat(form(b, "/sessions/" + sid + "/checkpoints/" + fx.projects.sessions.get(sid).getString("checkpoint") + "/restore")).isEqualTo(303);
    assertThat(page(b[0], "/sessions/" + sid)).contains("Undone: hello.txt restored.");
    // bob's browser gets nothing of it
    String[] bb = browser(bob);
    assertThat(form(bb, "/sessions/" + sid + "/discard")).isEqualTo(404);
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

  @Test
  void restoreCommitAndDiscardAreRefusedWithA409WhileATurnRuns() {
    String pid = fx.projects.project("busy-" + UUID.randomUUID().toString().substring(0, 6), alice.getString("id")).getString("id");
    Resp created = fx.post("/api/v1/sessions", alice.getString("token"), session(pid));
    String id = created.json().getString("id");
    String cid = fx.projects.sessions.get(id).getString("checkpoint");
    fx.sessions.sessions.get(id).put("activeTurnId", UUID.randomUUID().toString());
    Resp[] refused = {
        fx.post("/api/v1/sessions/" + id + "/checkpoints/" + cid + "/restore", alice.getString("token"), new JsonObject()),
        fx.post("/api/v1/sessions/" + id + "/commit", alice.getString("token"), new JsonObject().put("message", "x")),
        fx.post("/api/v1/sessions/" + id + "/discard", alice.getString("token"), new JsonObject())};
    for (Resp r : refused) {
      assertThat(r.status()).as(r.body()).isEqualTo(409);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.json().getString("detail")).contains("turn of this session is running");
    }
    assertThat(fx.projects.sessions.get(id).getBoolean("changed")).as("tool-service was never asked to touch the worktree").isTrue();
    // reading stays allowed while the turn runs; once it ends the same calls go through
    assertThat(fx.get("/api/v1/sessions/" + id + "/changes", alice.getString("token")).status()).isEqualTo(200);
    fx.sessions.sessions.get(id).remove("activeTurnId");
    assertThat(fx.post("/api/v1/sessions/" + id + "/discard", alice.getString("token"), new JsonObject()).status()).isEqualTo(200);
    assertThat(fx.projects.sessions.get(id).getBoolean("changed")).isFalse();
    // bob gets 404 for it either way (ownership first)
    fx.sessions.sessions.get(id).put("activeTurnId", UUID.randomUUID().toString());
    assertThat(fx.post("/api/v1/sessions/" + id + "/discard", bob.getString("token"), new JsonObject()).status()).isEqualTo(404);
  }

  @Test
  void membersNeverSeeTheProjectsHostPathAdminsDo() {
    String pid = fx.projects.project("hidden-" + UUID.randomUUID().toString().substring(0, 6), alice.getString("id")).getString("id");
    String hostPath = fx.projects.projects.get(pid).getString("path");
    assertThat(fx.get("/api/v1/projects/" + pid, admin).json().getString("path")).isEqualTo(hostPath);
    JsonObject one = fx.get("/api/v1/projects/" + pid, alice.getString("token")).json();
    assertThat(one.getString("id")).isEqualTo(pid);
    assertThat(one.containsKey("path")).isFalse();
    assertThat(fx.get("/api/v1/projects", alice.getString("token")).body()).doesNotContain(hostPath).doesNotContain("\"path\"");
    String[] b = browser(alice);
    assertThat(page(b[0], "/projects")).contains(fx.projects.projects.get(pid).getString("name")).doesNotContain(hostPath);
    assertThat(page(b[0], "/sessions")).doesNotContain(hostPath);
  }

  @Test
  void aForkOfAProjectSessionGetsItsOwnWorktreeStartedAtTheParentsBranch() {
    String pid = fx.projects.project("forked-" + UUID.randomUUID().toString().substring(0, 6), alice.getString("id")).getString("id");
    String parent = fx.post("/api/v1/sessions", alice.getString("token"), session(pid)).json().getString("id");
    Resp fork = fx.post("/api/v1/sessions/" + parent + "/fork", alice.getString("token"), new JsonObject());
    assertThat(fork.status()).as(fork.body()).isEqualTo(201);
    String id = fork.json().getString("id");
    assertThat(id).isNotEqualTo(parent);
    JsonObject project = fork.json().getJsonObject("project");
    assertThat(project.getString("projectId")).isEqualTo(pid);
    assertThat(project.getString("branch")).isEqualTo("maestro/" + id.substring(0, 8));
    assertThat(project.getString("baseRef")).isEqualTo("maestro/" + parent.substring(0, 8));
    assertThat(fx.projects.sessions).containsKeys(parent, id);
    // a session without a project forks as before (no worktree)
    String plain = fx.post("/api/v1/sessions", alice.getString("token"), new JsonObject().put("provider", "openai").put("model", "m"))
        .json().getString("id");
    Resp plainFork = fx.post("/api/v1/sessions/" + plain + "/fork", alice.getString("token"), new JsonObject());
    assertThat(plainFork.status()).isEqualTo(201);
    assertThat(plainFork.json().containsKey("project")).isFalse();
    // the grant is gone: the fork is refused like a new session on the project, and none is left behind
    fx.projects.projects.get(pid).put("members", new JsonArray());
    int before = fx.sessions.sessions.size();
    assertThat(fx.post("/api/v1/sessions/" + parent + "/fork", alice.getString("token"), new JsonObject()).status()).isEqualTo(404);
    assertThat(fx.sessions.sessions.size()).isEqualTo(before);
    assertThat(fx.post("/api/v1/sessions/" + parent + "/fork", bob.getString("token"), new JsonObject()).status()).isEqualTo(404);
  }
}
