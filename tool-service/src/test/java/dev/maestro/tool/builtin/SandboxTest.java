package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile commands against the real bubblewrap sandbox: what a command must not see or reach (home,
 * data dir and master key, other workspaces, host sockets, network), what it must not write, the hard
 * limits, the refusal when bubblewrap cannot run, and MAESTRO_SANDBOX=none being reported.
 */
class SandboxTest {
  @TempDir
  static Path dataDir;
  static Sandbox sandbox;
  static io.vertx.core.Vertx vertx;
  static CommandRunner runner;
  static Workspace ws;
  static Path masterKey;
  static Path otherSecret;
  static ServerSocket listener;
  static final AtomicInteger accepted = new AtomicInteger();

  @BeforeAll
  static void setUp() throws Exception {
    vertx = io.vertx.core.Vertx.vertx();
    sandbox = Sandbox.detect(SandboxSettings.defaults(), dataDir.resolve("sandbox-probe"));
    assertThat(sandbox.kind()).as("bubblewrap must work on the test machine: %s", sandbox.reason()).isEqualTo(Sandbox.Kind.BUBBLEWRAP);
    runner = new CommandRunner(vertx, sandbox, 65536, System::getenv);
    ws = Workspace.forSession(dataDir, "sbx", sandbox);
    masterKey = Files.writeString(dataDir.resolve("master.key"), "MASTER-KEY-BYTES");
    Workspace other = Workspace.forSession(dataDir, "other-session", sandbox);
    otherSecret = Files.writeString(other.root().resolve("secret.txt"), "OTHER-SESSION-SECRET");
    listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    listener.setSoTimeout(200);
    Thread t = new Thread(() -> {
      while (!listener.isClosed()) {
        try {
          listener.accept().close();
          accepted.incrementAndGet();
        } catch (SocketTimeoutException e) {
          // keep listening
        } catch (IOException e) {
          return;
        }
      }
    }, "sandbox-test-listener");
    t.setDaemon(true);
    t.start();
  }

  @AfterAll
  static void tearDown() throws IOException {
    listener.close();
    vertx.close();
  }

  static ToolResult run(CommandRunner r, Workspace w, String command) throws Exception {
    return r.run(w, command, 60, new CallContext(UUID.randomUUID().toString(), "sbx", 60, null))
        .toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  static ToolResult run(String command) throws Exception {
    return run(runner, ws, command);
  }

  /** The first entry of the service user's home on the host, to look for from inside. */
  static Path someHomeEntry() throws IOException {
    Path home = Path.of(System.getProperty("user.home"));
    try (Stream<Path> s = Files.list(home)) {
      return s.findFirst().orElseGet(() -> home);
    }
  }

  @Test
  void theHomeOfTheServiceUserIsNotThere() throws Exception {
    Path home = Path.of(System.getProperty("user.home"));
    Path entry = someHomeEntry();
    assertThat(Files.exists(entry)).isTrue();
    ToolResult r = run("ls -a " + home + " 2>&1; test -e '" + entry + "' && echo HOME-VISIBLE || echo home-hidden; "
        + "cat ~/.bash_history ~/.ssh/id_rsa 2>&1 | head -2; echo HOME=$HOME");
    assertThat(r.text()).contains("home-hidden", "HOME=" + ws.root()).doesNotContain("HOME-VISIBLE");
  }

  /** The default layout: the data dir is ~/.maestro, inside the home. Still nothing of the home shows. */
  @Test
  void theHomeStaysHiddenWhenTheDataDirIsInsideIt() throws Exception {
    Path home = Path.of(System.getProperty("user.home"));
    Path inner = Files.createTempDirectory(home, ".maestro-sandbox-test-");
    try {
      Workspace w = Workspace.forSession(inner, "in-home", sandbox);
      Files.writeString(inner.resolve("master.key"), "INNER-MASTER-KEY");
      ToolResult r = run(runner, w, "ls -A " + home + "; echo --; ls -A " + inner + "; cat " + inner.resolve("master.key") + " 2>&1");
      // the only thing of the home inside is the path down to the workspace
      assertThat(r.text()).startsWith(inner.getFileName() + "\n--\nworkspaces\n").doesNotContain("INNER-MASTER-KEY");
    } finally {
      try (Stream<Path> s = Files.walk(inner)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void theDataDirAndMasterKeyAreNotThere() throws Exception {
    ToolResult r = run("cat " + masterKey + " 2>/dev/null || echo no-master-key; test -e " + masterKey + " || echo absent; "
        + "ls -A " + dataDir + "; ls -A " + dataDir.resolve("workspaces"));
    // only the path down to this workspace exists inside, nothing next to it
    assertThat(r.text()).contains("no-master-key", "absent").doesNotContain("MASTER-KEY-BYTES", "master.key", "other-session");
    assertThat(r.text().split("\n")).contains("workspaces", "sbx");
  }

  @Test
  void anotherSessionsWorkspaceIsNotThere() throws Exception {
    ToolResult r = run("cat " + otherSecret + " 2>/dev/null || echo no-other; cat ../other-session/secret.txt 2>/dev/null || echo no-other; "
        + "ls -A ..");
    assertThat(r.text()).doesNotContain("OTHER-SESSION-SECRET", "other-session").contains("no-other\nno-other\nsbx\n");
  }

  @Test
  void hostSocketsAndRunAreNotThere() throws Exception {
    ToolResult r = run("ls /run /var/run 2>&1; test -S /run/postgresql/.s.PGSQL.5432 && echo PG-SOCKET || echo no-pg-socket; "
        + "command -v psql >/dev/null && psql -h /run/postgresql -U postgres -Atc 'select 4242' 2>&1; "
        + "ls /var/lib /opt /srv /mnt /home /root 2>&1 | head -20; echo done");
    assertThat(r.text()).contains("no-pg-socket", "done").doesNotContain("PG-SOCKET\n", "4242\n");
  }

  @Test
  void thereIsNoNetwork() throws Exception {
    int port = listener.getLocalPort();
    ToolResult r = run("(exec 3<>/dev/tcp/127.0.0.1/" + port + ") 2>/dev/null && echo TEST-PORT-OPEN || echo test-port-closed; "
        + "(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo PG-OPEN || echo pg-closed; "
        + "(exec 3<>/dev/tcp/1.1.1.1/53) 2>/dev/null && echo INTERNET || echo no-internet; ls /sys/class/net 2>&1");
    assertThat(r.text()).contains("test-port-closed", "pg-closed", "no-internet").doesNotContain("OPEN", "INTERNET");
    // and the listener really works from outside the sandbox (so "closed" is the sandbox, not the port)
    try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      assertThat(s.isConnected()).isTrue();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> accepted.get() >= 1);
    assertThat(accepted.get()).as("only the test's own connection was accepted").isEqualTo(1);
  }

  @Test
  void onlyTheWorkspaceIsWritable() throws Exception {
    String probe = "maestro-probe-" + UUID.randomUUID();
    ToolResult r = run("for d in /usr /usr/local/bin /etc /bin /lib /proc/sys/kernel /; do touch $d/maestro-probe 2>/dev/null && echo WROTE-$d; done; "
        + "echo ok > in-workspace.txt && echo ws-ok; echo t > /tmp/t && echo tmp-ok; touch /var/tmp/" + probe + "; ls -A /tmp");
    assertThat(Files.exists(Path.of("/var/tmp", probe))).as("/var/tmp inside is private").isFalse();
    assertThat(r.text()).contains("ws-ok", "tmp-ok").doesNotContain("WROTE-");
    assertThat(Files.readString(ws.root().resolve("in-workspace.txt"))).isEqualTo("ok\n");
    assertThat(Files.exists(Path.of("/tmp/t"))).as("/tmp inside is private").isFalse();
  }

  @Test
  void theCommandHasNoPrivileges() throws Exception {
    ToolResult r = run("grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; echo uid=$(id -u); echo procs=$(ls -d /proc/[0-9]* | wc -l)");
    assertThat(r.text()).contains("CapEff:\t0000000000000000");
    if (Sandbox.runsAsRoot()) assertThat(r.text()).contains("NoNewPrivs:\t1").doesNotContain("uid=0\n");
    // own PID namespace: only the command's few processes are visible, not the host's hundreds
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("procs=(\\d+)").matcher(r.text());
    assertThat(m.find()).as(r.text()).isTrue();
    assertThat(Long.parseLong(m.group(1))).isLessThan(10);
  }

  // ------------------------------------------------------------------ hard limits

  /** Tight limits; only the one a test is about is tight enough to be hit by it. */
  static CommandRunner limited(long memoryMb, long cpuSeconds, long processes, long fileMb) {
    SandboxSettings tight = SandboxSettings.defaults().withLimits(memoryMb, cpuSeconds, processes, fileMb);
    return new CommandRunner(vertx, Sandbox.detect(tight, dataDir.resolve("sandbox-probe-limited")), 65536, System::getenv);
  }

  /** Node reserves ~10 GiB of address space for WebAssembly (its fetch parser) unless told not to. */
  @Test
  void nodeStillWorksUnderTheAddressSpaceLimit() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.maestro.tool.mcp.McpSandboxProbe.onPath("node"), "node is not installed");
    ToolResult r = run(limited(2048, 60, 200, 2048), ws,
        "node -e 'fetch(\"http://127.0.0.1:9/\").then(() => console.log(\"fetch-ran\"), () => console.log(\"fetch-ran\"))'");
    assertThat(r.text()).contains("fetch-ran").doesNotContain("Out of memory");
  }

  @Test
  void fileSizeLimitStopsAHugeWrite() throws Exception {
    ToolResult r = run(limited(4096, 60, 200, 1), ws, "head -c 50M /dev/zero > big.bin; echo exit=$?; stat -c %s big.bin");
    assertThat(r.text()).contains("File size limit exceeded");
    assertThat(Files.size(ws.root().resolve("big.bin"))).isLessThanOrEqualTo(1024 * 1024);
    Files.delete(ws.root().resolve("big.bin"));
  }

  @Test
  void addressSpaceLimitStopsAMemoryHog() throws Exception {
    ToolResult r = run(limited(256, 120, 200, 2048), ws, "x=$(head -c 600M /dev/zero | tr '\\0' a); echo HOG-SURVIVED ${#x}");
    assertThat(r.text()).doesNotContain("HOG-SURVIVED").containsAnyOf("cannot allocate", "memory", "xrealloc");
  }

  @Test
  void cpuTimeLimitStopsASpinningCommand() throws Exception {
    long t0 = System.nanoTime();
    ToolResult r = run(limited(4096, 2, 200, 2048), ws, "while :; do :; done");
    assertThat(r.isError()).isTrue();
    // SIGXCPU (152) at the soft limit or SIGKILL (137) at the hard one (equal here); never our own timeout
    assertThat(r.text()).containsPattern("exit code (137|152)").doesNotContain("timed out", "cancelled");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(30);
  }

  @Test
  void processLimitStopsAForkBomb() throws Exception {
    // A bounded fork bomb (perl, so a refused fork fails at once instead of bash's retries).
    ToolResult r = run(limited(4096, 60, 40, 2048), ws, "perl -e 'my $n = 0; for (1..200) { my $p = fork(); "
        + "if (!defined $p) { print \"fork refused after $n: $!\\n\"; last } if ($p == 0) { sleep 30; exit 0 } $n++ } "
        + "print \"started $n\\n\"'");
    assertThat(r.text()).contains("fork refused after", "Resource temporarily unavailable").doesNotContain("started 200");
  }

  // ------------------------------------------------------------------ refusal and "none"

  @Test
  void withoutBubblewrapNothingRunsAndTheFixIsNamed() throws Exception {
    Sandbox broken = Sandbox.detect(SandboxSettings.defaults().withBwrap("/nonexistent/bwrap"), dataDir.resolve("probe-broken"));
    assertThat(broken.kind()).isEqualTo(Sandbox.Kind.UNAVAILABLE);
    assertThat(broken.describe()).isEqualTo("unavailable");
    CommandRunner refused = new CommandRunner(vertx, broken, 65536, System::getenv);
    Path marker = ws.root().resolve("must-not-exist");
    ToolResult r = run(refused, ws, "touch " + marker);
    assertThat(r.isError()).isTrue();
    assertThat(r.text()).contains("refused", "sandbox cannot run", "/nonexistent/bwrap", "install bubblewrap",
        "unprivileged user namespaces", "MAESTRO_SANDBOX=none");
    assertThat(Files.exists(marker)).isFalse();
    // stdio MCP servers are refused the same way
    var mcp = new dev.maestro.tool.mcp.McpSandboxProbe(broken, dataDir);
    assertThat(mcp.refusalFor("node")).contains("stdio MCP server refused", "install bubblewrap", "MAESTRO_SANDBOX=none");
  }

  @Test
  void noneRunsUnconfinedAndSaysSo() throws Exception {
    Sandbox none = Sandbox.detect(SandboxSettings.defaults().unconfined(), dataDir.resolve("probe-none"));
    assertThat(none.kind()).isEqualTo(Sandbox.Kind.NONE);
    assertThat(none.describe()).isEqualTo("none");
    assertThat(none.reason()).contains("WITHOUT isolation");
    ToolResult r = run(new CommandRunner(vertx, none, 65536, System::getenv), ws, "cat " + masterKey);
    assertThat(r.text()).contains("MASTER-KEY-BYTES");   // exactly why "none" must be loud
  }

  @Test
  void limitsAreConfigurable() {
    SandboxSettings s = SandboxSettings.from(new io.vertx.core.json.JsonObject(Map.of("MAESTRO_SANDBOX_MEMORY_MB", "512",
        "MAESTRO_SANDBOX_CPU_SECONDS", "7", "MAESTRO_SANDBOX_MAX_PROCESSES", "99", "MAESTRO_SANDBOX_FILE_SIZE_MB", "3")));
    assertThat(s.memoryMb()).isEqualTo(512);
    assertThat(s.cpuSeconds()).isEqualTo(7);
    assertThat(s.maxProcesses()).isEqualTo(99);
    assertThat(s.fileSizeMb()).isEqualTo(3);
    assertThat(s.none()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SandboxSettings.from(new io.vertx.core.json.JsonObject()
        .put("MAESTRO_SANDBOX", "rlimits"))).hasMessageContaining("'bubblewrap' (the default) or 'none'");
  }
}
