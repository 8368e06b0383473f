package dev.maestro.system;

import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.fake.FakeRequest;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15's whole path with the fake model, through the gateway and every real service on the clustered
 * bus, on a real git repository: the admin registers it and grants a member; an ungranted member gets 404
 * and no session; the member's session works in its own worktree, where the model edits a file and runs a
 * command; AGENTS.md reaches the provider request; changes shows exactly that diff; undo restores the file
 * byte for byte; commit lands on maestro/&lt;id&gt;; a second session does not see the first one's edit;
 * deleting the session removes its worktree and keeps the branch with its commit.
 */
@SharedSystem.Uses
class ProjectEndToEndTest {
  static Vertx client;
  static JsonObject config;
  static FakeUpstream upstream;
  static WebClient http;
  static int port;
  static String admin;
  static Path repo;

  @BeforeAll
  static void startClient(SharedSystem system) throws Exception {
    client = Vertx.vertx();
    config = system.config;
    upstream = FakeUpstream.start(client, 0).await(20, TimeUnit.SECONDS);
    port = system.portA;
    http = WebClient.create(client);
    admin = token("admin", config.getString(MaestroConfig.ADMIN_PASSWORD));
    repo = Files.createTempDirectory("maestro-e2e-repo").toRealPath();
    git(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("hello.txt"), "hello world\n");
    Files.writeString(repo.resolve("AGENTS.md"), "Rule from AGENTS.md: always run the tests before you answer.\n");
    git(repo, "add", "-A");
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "initial");
  }

  @AfterAll
  static void stopClient() throws Exception {
    ServiceNodes.stop(null, client);
  }

  /** The policy of each built-in tool named → its current policy (to be put back: the system is shared). */
  static Map<String, String> policies(List<String> tools) throws Exception {
    Map<String, String> found = new HashMap<>();
    for (Object o : ok(call(HttpMethod.GET, "/api/v1/tools", admin, null), 200).getJsonArray("items")) {
      JsonObject tool = (JsonObject) o;
      if (tools.contains(tool.getString("name"))) found.put(tool.getString("name"), tool.getString("policy"));
    }
    assertThat(found.keySet()).containsExactlyInAnyOrderElementsOf(tools);
    return found;
  }

  static String token(String user, String password) throws Exception {
    HttpResponse<Buffer> r = http.post(port, "127.0.0.1", "/api/v1/auth/token").sendJsonObject(new JsonObject()
        .put("username", user).put("password", password).put("name", "e2e")).await(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("token");
  }

  static HttpResponse<Buffer> call(HttpMethod method, String path, String token, JsonObject body) throws Exception {
    var req = http.request(method, port, "127.0.0.1", path).bearerTokenAuthentication(token);
    return (body == null ? req.send() : req.sendJsonObject(body)).await(60, TimeUnit.SECONDS);
  }

  static JsonObject ok(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    return r.bodyAsString() == null || r.bodyAsString().isEmpty() ? new JsonObject() : r.bodyAsJsonObject();
  }

  static String git(Path dir, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** Sends text and waits for that turn's turn_completed; → the events of the session so far (encoded). */
  static String turn(String token, String session, String text) throws Exception {
    String turnId = ok(call(HttpMethod.POST, "/api/v1/sessions/" + session + "/messages", token, new JsonObject().put("text", text)), 202)
        .getString("turnId");
    String[] events = new String[1];
    Awaitility.await("turn " + turnId + " completed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
      events[0] = call(HttpMethod.GET, "/api/v1/sessions/" + session + "/events?afterSeq=-1", token, null).bodyAsString();
      return events[0].contains("\"type\":\"turn_completed\",\"turnId\":\"" + turnId + "\"")
          || events[0].contains("\"turnId\":\"" + turnId + "\",\"status\"");
    });
    return events[0];
  }

  static String withoutIndexLines(String diff) {
    return diff.lines().filter(l -> !l.startsWith("index ")).collect(Collectors.joining("\n", "", "\n"));
  }

  @Test
  void aMembersSessionEditsItsOwnWorktreeAndCommitsOnItsBranch() throws Exception {
    // the tool policies are the shared system's: the test puts back what it found, for the classes after it
    Map<String, String> before = policies(List.of("edit_file", "write_file", "run_command"));
    try {
      worktreeSession();
    } finally {
      for (Map.Entry<String, String> tool : before.entrySet()) {
        ok(call(HttpMethod.PATCH, "/api/v1/tools/" + tool.getKey(), admin, new JsonObject().put("policy", tool.getValue())), 200);
      }
    }
  }

  void worktreeSession() throws Exception {
    for (String tool : List.of("edit_file", "write_file", "run_command")) {
      ok(call(HttpMethod.PATCH, "/api/v1/tools/" + tool, admin, new JsonObject().put("policy", "allow")), 200);
    }
    String name = "m" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject member = ok(call(HttpMethod.POST, "/api/v1/users", admin, new JsonObject().put("username", name)
        .put("password", "Correct-Horse-Battery-" + name)), 201);
    String memberToken = token(name, "Correct-Horse-Battery-" + name);
    String other = "o" + UUID.randomUUID().toString().substring(0, 8);
    ok(call(HttpMethod.POST, "/api/v1/users", admin, new JsonObject().put("username", other).put("password", "Correct-Horse-Battery-" + other)), 201);
    String otherToken = token(other, "Correct-Horse-Battery-" + other);

    JsonObject project = ok(call(HttpMethod.POST, "/api/v1/projects", admin, new JsonObject().put("name", "shop").put("path", repo.toString())), 201);
    String projectId = project.getString("id");
    assertThat(project.getString("defaultBranch")).isEqualTo("main");
    // a member may not register a path on the host
    assertThat(call(HttpMethod.POST, "/api/v1/projects", memberToken, new JsonObject().put("name", "x").put("path", "/etc")).statusCode()).isEqualTo(403);
    ok(call(HttpMethod.PUT, "/api/v1/projects/" + projectId + "/members", admin, new JsonObject().put("userIds",
        new JsonArray().add(member.getString("id")))), 200);

    JsonObject credential = new JsonObject().put("provider", "openai").put("label", "fake").put("apiKey", "sk-projects-e2e-1234")
        .put("baseUrl", upstream.openAiBaseUrl());
    String credentialId = ok(call(HttpMethod.POST, "/api/v1/credentials", memberToken, credential), 201).getString("id");
    String otherCredential = ok(call(HttpMethod.POST, "/api/v1/credentials", otherToken, credential), 201).getString("id");
    JsonObject newSession = new JsonObject().put("provider", "openai").put("model", "gpt-4o-mini").put("projectId", projectId);

    // the member without the grant: the project does not exist for them, and no session starts on it
    assertThat(call(HttpMethod.GET, "/api/v1/projects/" + projectId, otherToken, null).statusCode()).isEqualTo(404);
    assertThat(call(HttpMethod.POST, "/api/v1/sessions", otherToken, newSession.copy().put("credentialId", otherCredential)).statusCode())
        .isEqualTo(404);
    assertThat(ok(call(HttpMethod.GET, "/api/v1/sessions", otherToken, null), 200).getJsonArray("items")).isEmpty();

    JsonObject session = ok(call(HttpMethod.POST, "/api/v1/sessions", memberToken, newSession.copy().put("credentialId", credentialId)), 201);
    String sid = session.getString("id");
    String branch = "maestro/" + sid.substring(0, 8);
    assertThat(session.getJsonObject("project").getString("branch")).isEqualTo(branch);
    Path worktree = Path.of(config.getString(MaestroConfig.DATA_DIR)).resolve("workspaces").resolve(sid);
    byte[] original = Files.readAllBytes(repo.resolve("hello.txt"));

    upstream.clearRequests();
    String events = turn(memberToken, sid, "call tools edit_file with {\"path\":\"hello.txt\",\"old\":\"world\",\"new\":\"worktree\"} and "
        + "run_command with {\"command\":\"echo made-by-command > made.txt && git status --short\"}");
    assertThat(events).contains("\"type\":\"rules_loaded\"").contains("\"type\":\"files_changed\"");
    FakeRequest first = upstream.requests().get(0);
    assertThat(first.body().encode()).as("AGENTS.md reaches the provider").contains("always run the tests before you answer");
    String toolResults = upstream.requests().get(upstream.requests().size() - 1).body().encode();
    assertThat(toolResults).as("the command ran in the worktree, git sees it").contains("M hello.txt").contains("?? made.txt");

    JsonObject changes = ok(call(HttpMethod.GET, "/api/v1/sessions/" + sid + "/changes", memberToken, null), 200);
    assertThat(changes.getString("branch")).isEqualTo(branch);
    assertThat(changes.getString("baseRef")).isEqualTo("main");
    assertThat(changes.getJsonArray("files").stream().map(o -> ((JsonObject) o).getString("path") + " " + ((JsonObject) o).getString("status")
        + " +" + ((JsonObject) o).getInteger("additions") + " -" + ((JsonObject) o).getInteger("deletions")))
        .containsExactly("hello.txt modified +1 -1", "made.txt added +1 -0");
    assertThat(withoutIndexLines(changes.getString("diff"))).isEqualTo("""
        diff --git a/hello.txt b/hello.txt
        --- a/hello.txt
        +++ b/hello.txt
        @@ -1 +1 @@
        -hello world
        +hello worktree
        diff --git a/made.txt b/made.txt
        new file mode 100644
        --- /dev/null
        +++ b/made.txt
        @@ -0,0 +1 @@
        +made-by-command
        """);
    assertThat(Files.readAllBytes(repo.resolve("hello.txt"))).as("the main checkout is untouched").isEqualTo(original);

    // undo the turn: its checkpoint
    JsonArray checkpoints = ok(call(HttpMethod.GET, "/api/v1/sessions/" + sid + "/checkpoints", memberToken, null), 200).getJsonArray("items");
    assertThat(checkpoints).hasSize(1);
    assertThat(checkpoints.getJsonObject(0).getJsonArray("filesChanged").getList()).containsExactlyInAnyOrder("hello.txt", "made.txt");
    String cid = checkpoints.getJsonObject(0).getString("id");
    assertThat(call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/checkpoints/" + cid + "/restore", otherToken, null).statusCode()).isEqualTo(404);
    ok(call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/checkpoints/" + cid + "/restore", memberToken, null), 200);
    assertThat(Files.readAllBytes(worktree.resolve("hello.txt"))).isEqualTo(original);
    assertThat(Files.exists(worktree.resolve("made.txt"))).isFalse();

    turn(memberToken, sid, "call tool write_file with {\"path\":\"hello.txt\",\"content\":\"hello branch\\n\"}");
    JsonObject commit = ok(call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/commit", memberToken, new JsonObject().put("message", "Greet the branch")), 200);
    assertThat(commit.getString("branch")).isEqualTo(branch);
    assertThat(git(repo, "rev-parse", branch).strip()).isEqualTo(commit.getString("commit"));
    assertThat(git(repo, "show", branch + ":hello.txt")).isEqualTo("hello branch\n");
    assertThat(git(repo, "log", "-1", "--format=%an %s", branch).strip()).isEqualTo(name + " Greet the branch");
    assertThat(git(repo, "rev-parse", "HEAD").strip()).as("main did not move").isNotEqualTo(commit.getString("commit"));
    assertThat(ok(call(HttpMethod.GET, "/api/v1/sessions/" + sid + "/changes", memberToken, null), 200).getJsonArray("files")).isEmpty();

    // a fork gets its own worktree on its own branch, started at the parent's branch (with the commit above)
    JsonObject fork = ok(call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/fork", memberToken, new JsonObject()), 201);
    String forkId = fork.getString("id");
    assertThat(fork.getJsonObject("project").getString("branch")).isEqualTo("maestro/" + forkId.substring(0, 8));
    assertThat(Files.readString(worktree.resolveSibling(forkId).resolve("hello.txt"))).isEqualTo("hello branch\n");
    assertThat(git(repo, "rev-parse", "maestro/" + forkId.substring(0, 8)).strip()).isEqualTo(commit.getString("commit"));
    assertThat(call(HttpMethod.DELETE, "/api/v1/sessions/" + forkId, memberToken, null).statusCode()).isEqualTo(204);
    assertThat(Files.exists(worktree.resolveSibling(forkId))).isFalse();
    // the member's project view carries no host path
    assertThat(ok(call(HttpMethod.GET, "/api/v1/projects/" + projectId, memberToken, null), 200).containsKey("path")).isFalse();

    // while a turn runs (held deterministically: its write_file waits for an approval) the worktree is not
    // restored, committed or discarded under the agent: 409 from the real session-service's activeTurnId
    ok(call(HttpMethod.PATCH, "/api/v1/tools/write_file", admin, new JsonObject().put("policy", "ask")), 200);
    String held = ok(call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/messages", memberToken, new JsonObject()
        .put("text", "call tool write_file with {\"path\":\"held.txt\",\"content\":\"x\"}")), 202).getString("turnId");
    String[] waiting = new String[1];
    Awaitility.await("approval asked").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      for (Object o : ok(call(HttpMethod.GET, "/api/v1/sessions/" + sid + "/events?afterSeq=-1", memberToken, null), 200).getJsonArray("items")) {
        JsonObject e = ((JsonObject) o).getJsonObject("event");
        if ("approval_required".equals(e.getString("type")) && held.equals(e.getString("turnId", held))) waiting[0] = e.getString("callId");
      }
      return waiting[0] != null;
    });
    var busy = call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/discard", memberToken, null);
    assertThat(busy.statusCode()).isEqualTo(409);
    assertThat(busy.bodyAsString()).contains("turn of this session is running");
    assertThat(call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/commit", memberToken, new JsonObject().put("message", "x")).statusCode())
        .isEqualTo(409);
    assertThat(call(HttpMethod.POST, "/api/v1/sessions/" + sid + "/approvals/" + waiting[0], memberToken,
        new JsonObject().put("decision", "deny")).statusCode()).isEqualTo(204);
    Awaitility.await("held turn ended").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> ok(call(HttpMethod.GET, "/api/v1/sessions/" + sid, memberToken, null), 200).getString("activeTurnId") == null);
    ok(call(HttpMethod.PATCH, "/api/v1/tools/write_file", admin, new JsonObject().put("policy", "allow")), 200);

    // a second session on the project starts from main: the first one's work is not there
    String second = ok(call(HttpMethod.POST, "/api/v1/sessions", memberToken, newSession.copy().put("credentialId", credentialId)), 201).getString("id");
    Path secondTree = worktree.resolveSibling(second);
    assertThat(Files.readAllBytes(secondTree.resolve("hello.txt"))).isEqualTo(original);
    assertThat(ok(call(HttpMethod.GET, "/api/v1/sessions/" + second + "/changes", memberToken, null), 200).getJsonArray("files")).isEmpty();

    // a sub-agent whose template asks for its own workspace writes in its own worktree (at the parent branch's commit)
    ok(call(HttpMethod.POST, "/api/v1/templates", memberToken, new JsonObject().put("name", "coder").put("provider", "openai")
        .put("model", "gpt-4o-mini").put("params", new JsonObject().put("subagentWorkspace", "own"))), 201);
    turn(memberToken, sid, "call tool task with {\"description\":\"write\",\"template\":\"coder\",\"prompt\":"
        + "\"call tool write_file with {\\\"path\\\":\\\"child.txt\\\",\\\"content\\\":\\\"from child\\\"}\"}");
    JsonArray children = ok(call(HttpMethod.GET, "/api/v1/sessions/" + sid, memberToken, null), 200).getJsonArray("children");
    assertThat(children).hasSize(1);
    String childId = children.getJsonObject(0).getString("id");
    Path childTree = worktree.resolveSibling(childId);
    assertThat(Files.readString(childTree.resolve("child.txt"))).isEqualTo("from child");
    assertThat(Files.readString(childTree.resolve("hello.txt"))).isEqualTo("hello branch\n");
    assertThat(Files.exists(worktree.resolve("child.txt"))).as("not in the parent's worktree").isFalse();
    assertThat(git(repo, "rev-parse", "maestro/" + childId.substring(0, 8)).strip()).isEqualTo(commit.getString("commit"));

    assertThat(call(HttpMethod.DELETE, "/api/v1/sessions/" + sid, memberToken, null).statusCode()).isEqualTo(204);
    assertThat(Files.exists(worktree)).isFalse();
    Awaitility.await("the sub-agent's worktree goes with its parent").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100)).until(() -> !Files.exists(childTree));
    assertThat(git(repo, "rev-parse", branch).strip()).as("the branch with its commit stays").isEqualTo(commit.getString("commit"));
    assertThat(call(HttpMethod.DELETE, "/api/v1/projects/" + projectId, admin, null).statusCode())
        .as("a project in use is not removed").isEqualTo(409);
  }
}
