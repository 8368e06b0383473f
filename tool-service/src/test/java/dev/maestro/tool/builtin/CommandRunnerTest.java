package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class CommandRunnerTest {
  @TempDir
  static Path dataDir;
  static Workspace ws;
  static Vertx vertx;
  static CommandRunner runner;
  static final int CAP = 4096;

  @BeforeAll
  static void setUp() {
    Map<String, String> env = new HashMap<>(System.getenv());
    // What a real service process would carry: these must never reach the command.
    env.put("MAESTRO_MASTER_KEY", "master-key-value-123");
    env.put("MAESTRO_PG_URL", "postgresql://u:pw@db/maestro");
    env.put("OPENAI_API_KEY", "sk-test-secret-456");
    env.put("GITHUB_TOKEN", "ghp_secret789");
    env.put("DB_PASSWORD", "hunter2");
    env.put("AWS_SECRET_ACCESS_KEY", "aws-secret-000");
    env.put("SAFE_SETTING", "visible");
    vertx = Vertx.vertx();
    runner = new CommandRunner(vertx, Sandbox.detect(SandboxSettings.defaults(), dataDir.resolve("probe")), CAP, () -> env);
    ws = Workspace.forSession(dataDir, "cmd", runner.sandbox());
  }

  @AfterAll
  static void tearDown() {
    vertx.close().await();
  }

  static ToolResult run(String command, int timeout, CallContext ctx) throws Exception {
    return runner.run(ws, command, timeout, ctx).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static CallContext ctx(List<String> progress) {
    return new CallContext(UUID.randomUUID().toString(), "cmd", 60, progress == null ? null : progress::add);
  }

  @Test
  void runsInTheWorkspaceAndStreamsProgress() throws Exception {
    List<String> progress = new CopyOnWriteArrayList<>();
    ToolResult r = run("pwd; echo hello; echo oops >&2", 30, ctx(progress));
    assertThat(r.isError()).isFalse();
    assertThat(r.text()).contains(ws.root().toString(), "hello", "oops", "[exit code 0]");
    assertThat(String.join("", progress)).contains("hello", "oops");
  }

  @Test
  void nonZeroExitIsAnError() throws Exception {
    ToolResult r = run("echo failing; exit 3", 30, ctx(null));
    assertThat(r.isError()).isTrue();
    assertThat(r.text()).contains("failing", "[exit code 3]");
  }

  @Test
  void environmentIsScrubbed() throws Exception {
    ToolResult r = run("env", 30, ctx(null));
    assertThat(r.text()).contains("SAFE_SETTING=visible", "HOME=" + ws.root())
        .doesNotContain("MAESTRO_", "master-key-value-123", "sk-test-secret-456", "ghp_secret789", "hunter2",
            "aws-secret-000", "OPENAI_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD");
    for (String line : r.text().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) assertThat(EnvScrubber.sensitive(line.substring(0, eq))).as(line).isFalse();
    }
  }

  @Test
  void outputCapHolds() throws Exception {
    List<String> progress = new CopyOnWriteArrayList<>();
    ToolResult r = run("head -c 5000000 /dev/zero | tr '\\0' 'a'", 30, ctx(progress));
    assertThat(r.isError()).isFalse();
    String text = r.text();
    assertThat(text).contains("[output truncated: 5000000 bytes, only the first " + CAP + " kept]");
    assertThat(text.substring(0, text.indexOf("\n[output truncated"))).hasSize(CAP).matches("a+");
    assertThat(String.join("", progress).length()).isLessThanOrEqualTo(CAP);
  }

  @Test
  void timeoutKillsTheWholeTreeWithNoOrphan() throws Exception {
    String marker = "31" + (System.nanoTime() % 1000) + ".5";
    // a child, a grandchild detached into a subshell (reparented to init), and a nohup'd one
    String cmd = "sleep " + marker + " & (sleep " + marker + " &) ; nohup sleep " + marker + " >/dev/null 2>&1 & "
        + "echo started; sleep " + marker;
    long t0 = System.nanoTime();
    ToolResult r = run(cmd, 1, ctx(null));
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.isError()).isTrue();
    assertThat(r.text()).contains("started", "timed out after 1 s", "process tree was killed");
    assertThat(elapsedMs).isLessThan(10_000);
    assertThat(waitUntilNoProcess("sleep " + marker)).as("orphaned 'sleep %s' processes", marker).isZero();
  }

  @Test
  void cancelKillsTheTree() throws Exception {
    String marker = "41" + (System.nanoTime() % 1000) + ".5";
    CallContext ctx = ctx(null);
    var future = runner.run(ws, "(sleep " + marker + " &); sleep " + marker, 60, ctx);
    Awaitility.await("both sleeps running").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
        .until(() -> count("sleep " + marker) >= 2);
    ctx.cancel();
    ToolResult r = future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(r.isError()).isTrue();
    assertThat(r.text()).contains("cancelled");
    assertThat(waitUntilNoProcess("sleep " + marker)).isZero();
  }

  @Test
  void backgroundProcessesEndWithTheCommand() throws Exception {
    String marker = "51" + (System.nanoTime() % 1000) + ".5";
    ToolResult r = run("(sleep " + marker + " >/dev/null 2>&1 &); echo done", 30, ctx(null));
    assertThat(r.text()).contains("done", "[exit code 0]");
    assertThat(waitUntilNoProcess("sleep " + marker)).isZero();
  }

  /**
   * The command is started, read, cancelled and killed while a timer on the caller's event loop keeps
   * firing on time: no step of it runs on that loop (and none on a raw thread of its own).
   */
  @Test
  void theCallersEventLoopKeepsTurningWhileACommandRunsAndIsKilled() throws Exception {
    String marker = "61" + (System.nanoTime() % 1000) + ".5";
    Context loop = vertx.getOrCreateContext();
    List<Long> ticks = new CopyOnWriteArrayList<>();
    List<Boolean> progressOnLoop = new CopyOnWriteArrayList<>();
    CallContext call = new CallContext(UUID.randomUUID().toString(), "cmd", 60,
        text -> progressOnLoop.add(Context.isOnEventLoopThread()));
    CompletableFuture<ToolResult> done = new CompletableFuture<>();
    loop.runOnContext(v -> {
      long timer = vertx.setPeriodic(10, id -> ticks.add(System.nanoTime()));
      runner.run(ws, "echo started; sleep " + marker, 60, call).onComplete(ar -> {
        vertx.cancelTimer(timer);
        if (ar.succeeded()) done.complete(ar.result()); else done.completeExceptionally(ar.cause());
      });
    });
    Awaitility.await("the command runs").atMost(Duration.ofSeconds(10)).until(() -> count("sleep " + marker) >= 1);
    int before = ticks.size();
    Awaitility.await("the loop's timer fires while the command runs").atMost(Duration.ofSeconds(5))
        .until(() -> ticks.size() >= before + 20);
    loop.runOnContext(v -> call.cancel());
    ToolResult r = done.get(20, TimeUnit.SECONDS);
    assertThat(r.text()).contains("started", "cancelled");
    assertThat(waitUntilNoProcess("sleep " + marker)).isZero();
    long longestGapMs = 0;
    for (int i = 1; i < ticks.size(); i++) longestGapMs = Math.max(longestGapMs, (ticks.get(i) - ticks.get(i - 1)) / 1_000_000);
    assertThat(longestGapMs).as("longest pause of a 10 ms timer on the caller's loop").isLessThan(500);
    assertThat(progressOnLoop).isNotEmpty().doesNotContain(true);
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).noneMatch(n -> n.startsWith("run_command-"));
  }

  @Test
  void sandboxIsReported() {
    assertThat(runner.sandbox().kind()).isNotNull();
    assertThat(runner.sandbox().reason()).isNotBlank();
  }


  @Test
  void bubblewrapIsolatesTheCommand() throws Exception {
    assertThat(runner.sandbox().kind()).as(runner.sandbox().reason()).isEqualTo(Sandbox.Kind.BUBBLEWRAP);
    Path secret = java.nio.file.Files.writeString(dataDir.resolve("secret-outside.txt"), "outside secret");
    String home = System.getProperty("user.home");
    ToolResult r = run("echo inside > mine.txt && cat mine.txt; "
        + "touch /usr/maestro-probe 2>&1 || echo ro-root; "
        + "cat " + secret + " 2>&1 || echo data-hidden; "
        + "ls " + home + " | wc -l; "
        + "(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo net-open || echo net-closed", 30, ctx(null));
    assertThat(r.text()).contains("inside", "ro-root", "data-hidden", "net-closed").doesNotContain("outside secret", "net-open");
    assertThat(java.nio.file.Files.readString(ws.root().resolve("mine.txt"))).isEqualTo("inside\n");
  }

  static long count(String commandLine) {
    return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(commandLine)).count();
  }

  /** Polls (the kill is asynchronous) and returns how many such processes are still alive. */
  static long waitUntilNoProcess(String commandLine) {
    try {
      return Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).pollDelay(Duration.ZERO)
          .until(() -> count(commandLine), n -> n == 0);
    } catch (ConditionTimeoutException e) {
      return count(commandLine);
    }
  }
}
