package dev.maestro.tool.project;

import dev.maestro.contracts.project.ProjectService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * tool-service's projects against real git and the real sandbox: a registered repository, a session's worktree
 * on its own branch, file tools and run_command inside it, checkpoints, restore, changes, commit, and the
 * hostile cases (a .git write, a symlink out, a command that tries the main checkout's HEAD and hooks).
 */
class ProjectWorktreesTest {
  static Vertx vertx;
  static ProjectService projects;
  static ToolService tools;
  static Path repo;
  static String projectId;
  static JsonObject config;

  static String worktreeOf(String session) {
    return Path.of(config.getString("MAESTRO_DATA_DIR")).resolve("workspaces").resolve(session).toString();
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    TestEnv.dropSchema(vertx, ToolServiceVerticle.SCHEMA).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config = TestEnv.config())).await(60, TimeUnit.SECONDS);
    projects = ProjectService.createProxy(vertx);
    tools = ToolService.createProxy(vertx);
    for (String name : List.of("write_file", "edit_file", "run_command")) {
      tools.updateTool(name, new JsonObject().put("policy", "allow")).await(10, TimeUnit.SECONDS);
    }
    repo = GitRepos.create(Files.createTempDirectory("maestro-repo"));
    projectId = projects.createProject(new JsonObject().put("name", "demo-" + UUID.randomUUID().toString().substring(0, 6))
        .put("path", repo.toString())).await(30, TimeUnit.SECONDS).getString("id");
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  static String text(JsonObject result) {
    return result.getJsonArray("content").getJsonObject(0).getString("text");
  }

  static JsonObject call(String session, String tool, JsonObject args) throws Exception {
    return tools.execute(new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", session).put("name", tool)
        .put("arguments", args).put("timeoutSeconds", 60)).await(90, TimeUnit.SECONDS);
  }

  static String git(Path dir, String... args) throws Exception {
    return GitRepos.git(dir, args);
  }

  @Test
  void aSessionWorksInItsOwnWorktreeWithCheckpointsChangesAndACommit() throws Exception {
    String session = UUID.randomUUID().toString();
    JsonObject opened = projects.openSession("u1", true, session, projectId, null).await(60, TimeUnit.SECONDS);
    String branch = "maestro/" + session.substring(0, 8);
    assertThat(opened.getString("branch")).isEqualTo(branch);
    assertThat(opened.getString("baseRef")).isEqualTo("main");

    JsonObject before = projects.beforeTurn(session, "turn-1").await(60, TimeUnit.SECONDS);
    assertThat(before.getJsonArray("rules").getJsonObject(0).getString("text")).contains("Always answer in haiku");
    byte[] original = Files.readAllBytes(repo.resolve("hello.txt"));
    JsonObject edit = call(session, "edit_file", new JsonObject().put("path", "hello.txt").put("old", "world").put("new", "worktree"));
    assertThat(edit.getBoolean("isError")).as(text(edit)).isFalse();
    JsonObject cmd = call(session, "run_command", new JsonObject().put("command",
        "echo made-by-command > made.txt && git status --short && git add made.txt && git diff --cached --stat"));
    assertThat(cmd.getBoolean("isError")).as(text(cmd)).isFalse();
    assertThat(text(cmd)).contains("hello.txt").contains("made.txt");
    // a sub-agent (README "Sub-agents") runs in the parent's worktree: same files, same git view, same branch
    JsonObject child = tools.execute(new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", UUID.randomUUID().toString())
        .put("workspaceId", session).put("name", "run_command").put("arguments", new JsonObject().put("command",
            "git rev-parse --abbrev-ref HEAD && git status --short && echo by-child > child.txt")).put("timeoutSeconds", 60))
        .await(90, TimeUnit.SECONDS);
    assertThat(child.getBoolean("isError")).as(text(child)).isFalse();
    assertThat(text(child)).contains("maestro/" + session.substring(0, 8)).contains("hello.txt").contains("made.txt");
    Files.delete(Path.of(worktreeOf(session)).resolve("child.txt"));
    JsonObject after = projects.afterTurn(session, "turn-1").await(60, TimeUnit.SECONDS);
    assertThat(after.getJsonArray("files").getList()).containsExactlyInAnyOrder("hello.txt", "made.txt");

    JsonObject changes = projects.changes(session).await(60, TimeUnit.SECONDS);
    assertThat(changes.getString("branch")).isEqualTo(branch);
    assertThat(changes.getJsonArray("files").stream().map(o -> ((JsonObject) o).getString("path") + ":" + ((JsonObject) o).getString("status")))
        .containsExactlyInAnyOrder("hello.txt:modified", "made.txt:added");
    assertThat(changes.getString("diff")).contains("-hello world").contains("+hello worktree").contains("+made-by-command");
    // the main checkout never saw any of it
    assertThat(Files.readAllBytes(repo.resolve("hello.txt"))).isEqualTo(original);
    assertThat(Files.exists(repo.resolve("made.txt"))).isFalse();

    List<JsonObject> checkpoints = projects.checkpoints(session).await(30, TimeUnit.SECONDS);
    assertThat(checkpoints).hasSize(1);
    assertThat(checkpoints.get(0).getString("turnId")).isEqualTo("turn-1");
    Path worktree = Path.of(worktreeOf(session));
    JsonObject restored = projects.restore(session, checkpoints.get(0).getString("id")).await(60, TimeUnit.SECONDS);
    assertThat(restored.getJsonArray("files").getList()).containsExactlyInAnyOrder("hello.txt", "made.txt");
    assertThat(Files.readAllBytes(worktree.resolve("hello.txt"))).isEqualTo(original);
    assertThat(Files.exists(worktree.resolve("made.txt"))).isFalse();
    assertThat(projects.changes(session).await(60, TimeUnit.SECONDS).getJsonArray("files")).isEmpty();

    call(session, "write_file", new JsonObject().put("path", "src/new.txt").put("content", "new file\n"));
    JsonObject commit = projects.commit(session, "Add new.txt", new JsonObject().put("name", "Ann").put("email", "ann@example.com"))
        .await(60, TimeUnit.SECONDS);
    assertThat(commit.getString("branch")).isEqualTo(branch);
    assertThat(git(repo, "rev-parse", branch).strip()).isEqualTo(commit.getString("commit"));
    assertThat(git(repo, "log", "-1", "--format=%an <%ae> %s", branch).strip()).isEqualTo("Ann <ann@example.com> Add new.txt");
    assertThat(git(repo, "show", branch + ":src/new.txt")).isEqualTo("new file\n");
    // checkpoints are not branches or tags
    assertThat(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/", "refs/tags/").lines().toList()).containsExactlyInAnyOrder("main", branch);
    assertThatThrownBy(() -> projects.commit(session, "again", null).await(60, TimeUnit.SECONDS))
        .isInstanceOf(ServiceException.class).matches(e -> ((ServiceException) e).failureCode() == 409);

    // a second session on the project starts from main and does not see the first one's work
    String second = UUID.randomUUID().toString();
    projects.openSession("u1", true, second, projectId, null).await(60, TimeUnit.SECONDS);
    JsonObject read = call(second, "read_file", new JsonObject().put("path", "src/new.txt"));
    assertThat(read.getBoolean("isError")).isTrue();

    call(session, "write_file", new JsonObject().put("path", "scratch.txt").put("content", "discard me"));
    projects.discard(session).await(60, TimeUnit.SECONDS);
    assertThat(Files.exists(worktree.resolve("scratch.txt"))).isFalse();

    projects.closeSession(session).await(60, TimeUnit.SECONDS);
    projects.closeSession(second).await(60, TimeUnit.SECONDS);
    assertThat(Files.exists(worktree)).isFalse();
    assertThat(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/").lines().toList())
        .as("the branch with a commit stays, the empty one goes").containsExactlyInAnyOrder("main", branch);
    assertThat(git(repo, "for-each-ref", "refs/maestro/")).isBlank();
  }

  @Test
  void hostileWritesToGitMetadataSymlinksAndTheMainCheckoutAreRefused() throws Exception {
    String session = UUID.randomUUID().toString();
    projects.openSession("u1", true, session, projectId, null).await(60, TimeUnit.SECONDS);
    Path worktree = Path.of(worktreeOf(session));
    String head = Files.readString(repo.resolve(".git/HEAD"));
    String gitFile = Files.readString(worktree.resolve(".git"));

    JsonObject dotGit = call(session, "write_file", new JsonObject().put("path", ".git").put("content", "gitdir: " + repo.resolve(".git")));
    assertThat(dotGit.getBoolean("isError")).isTrue();
    assertThat(text(dotGit)).contains("git metadata");
    assertThat(Files.readString(worktree.resolve(".git"))).isEqualTo(gitFile);

    Files.createSymbolicLink(worktree.resolve("hooks-link"), repo.resolve(".git/hooks"));
    JsonObject viaLink = call(session, "write_file", new JsonObject().put("path", "hooks-link/pre-commit").put("content", "#!/bin/sh\necho pwned\n"));
    assertThat(viaLink.getBoolean("isError")).isTrue();
    assertThat(text(viaLink)).contains("outside the workspace");
    JsonObject outside = call(session, "write_file", new JsonObject().put("path", "../../etc-evil.txt").put("content", "x"));
    assertThat(outside.getBoolean("isError")).isTrue();

    JsonObject evil = call(session, "run_command", new JsonObject().put("command",
        "echo 'ref: refs/heads/evil' > " + repo.resolve(".git/HEAD") + "; echo 'echo pwned' > " + repo.resolve(".git/hooks/pre-commit")
            + "; git config core.hooksPath /tmp; git update-ref refs/heads/main HEAD~0; ls " + repo + "; echo done"));
    assertThat(text(evil)).contains("Read-only file system").contains("done");
    assertThat(Files.readString(repo.resolve(".git/HEAD"))).isEqualTo(head);
    assertThat(Files.exists(repo.resolve(".git/hooks/pre-commit"))).isFalse();
    assertThat(git(repo, "config", "--get", "core.hooksPath").strip()).isEmpty();
    assertThat(text(evil)).as("the main checkout's files are not in the sandbox").doesNotContain("hello.txt");

    // a .git file pointed at the main repository changes nothing of what Maestro snapshots or commits
    call(session, "run_command", new JsonObject().put("command", "echo 'gitdir: " + repo.resolve(".git") + "' > .git; echo changed > hello.txt"));
    JsonObject commit = projects.commit(session, "via a hostile .git", null).await(60, TimeUnit.SECONDS);
    assertThat(git(repo, "rev-parse", "main").strip()).isNotEqualTo(commit.getString("commit"));
    assertThat(Files.readString(repo.resolve(".git/HEAD"))).isEqualTo(head);
    assertThat(Files.readString(repo.resolve("hello.txt"))).isEqualTo("hello world\n");
    projects.closeSession(session).await(60, TimeUnit.SECONDS);
  }

  @Test
  void projectsAreGrantedPerMemberAndUrlsThatRunCommandsAreRefused() throws Exception {
    String id = projects.createProject(new JsonObject().put("name", "granted-" + UUID.randomUUID().toString().substring(0, 6))
        .put("gitUrl", repo.toUri().toString())).await(30, TimeUnit.SECONDS).getString("id");
    Awaitility.await("clone finished").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> "ready".equals(projects.getProject(null, true, id).await(10, TimeUnit.SECONDS).getString("status")));
    assertThat(projects.getProject(null, true, id).await(10, TimeUnit.SECONDS).getString("defaultBranch")).isEqualTo("main");
    assertThatThrownBy(() -> projects.getProject("member-1", false, id).await(10, TimeUnit.SECONDS))
        .matches(e -> ((ServiceException) e).failureCode() == 404);
    assertThatThrownBy(() -> projects.openSession("member-1", false, UUID.randomUUID().toString(), id, null).await(10, TimeUnit.SECONDS))
        .matches(e -> ((ServiceException) e).failureCode() == 404);
    projects.setMembers(id, List.of("member-1")).await(10, TimeUnit.SECONDS);
    assertThat(projects.listProjects("member-1", false).await(10, TimeUnit.SECONDS)).extracting(p -> p.getString("id")).containsExactly(id);
    assertThat(projects.listProjects("member-2", false).await(10, TimeUnit.SECONDS)).isEmpty();

    for (String url : List.of("ext::sh -c touch% /tmp/pwned", "ssh://example.com/repo.git", "-uhelp", "git@example.com:x/y.git",
        "http://169.254.169.254/repo.git")) {
      assertThatThrownBy(() -> projects.createProject(new JsonObject().put("name", "bad-" + UUID.randomUUID().toString().substring(0, 6))
          .put("gitUrl", url)).await(30, TimeUnit.SECONDS)).as(url).matches(e -> ((ServiceException) e).failureCode() == 400);
    }
    assertThatThrownBy(() -> projects.createProject(new JsonObject().put("name", "notarepo").put("path", "/etc")).await(30, TimeUnit.SECONDS))
        .matches(e -> ((ServiceException) e).failureCode() == 400);
    projects.deleteProject(id).await(30, TimeUnit.SECONDS);
  }

  /**
   * A clone held open deterministically: an HTTP "git server" that takes the first request and never answers, so
   * git (and its git-remote-http child) is mid-clone until cancelled. Deleting the project must kill both (the
   * server sees the connection close) and answer only once the directory is gone.
   */
  @Test
  void deletingAProjectWhileItClonesStopsGitAndLeavesNoDirectory() throws Exception {
    io.vertx.core.Promise<Void> asked = io.vertx.core.Promise.promise();
    io.vertx.core.Promise<Void> hungUp = io.vertx.core.Promise.promise();
    io.vertx.core.http.HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      req.connection().closeHandler(v -> hungUp.tryComplete());
      asked.tryComplete();
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    try {
      String id = projects.createProject(new JsonObject().put("name", "slow-" + UUID.randomUUID().toString().substring(0, 6))
          .put("gitUrl", "http://127.0.0.1:" + server.actualPort() + "/slow.git")).await(30, TimeUnit.SECONDS).getString("id");
      asked.future().await(30, TimeUnit.SECONDS);
      Path dest = Path.of(config.getString("MAESTRO_DATA_DIR")).resolve("projects").resolve(id);
      assertThat(projects.getProject(null, true, id).await(10, TimeUnit.SECONDS).getString("status")).isEqualTo("cloning");
      assertThat(Files.isDirectory(dest)).as("git made the directory before asking the server").isTrue();

      projects.deleteProject(id).await(30, TimeUnit.SECONDS);
      assertThat(Files.exists(dest)).as("no directory left behind").isFalse();
      hungUp.future().await(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> projects.getProject(null, true, id).await(10, TimeUnit.SECONDS))
          .matches(e -> ((ServiceException) e).failureCode() == 404);
    } finally {
      server.close().await(10, TimeUnit.SECONDS);
    }
  }
}
