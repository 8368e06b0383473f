package dev.maestro.system;

import dev.maestro.testkit.TestClusterKey;
import dev.maestro.testkit.TestEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up failures a person must be able to act on: the real main classes run as processes and
 * must exit non-zero with one clear line naming the problem and the variable to change.
 */
class StartupFailureTest {
  /**
   * Each process mostly waits (its JVM's start, a 3 s retry deadline), so all five run at once, started
   * before the tests; each test then checks its own process's outcome.
   */
  static final ExecutorService processes = Executors.newCachedThreadPool();
  static Future<Outcome> unreachablePostgres;
  static Future<Outcome> unreachableRedis;
  static Future<Outcome> portTaken;
  static Future<Outcome> missingKey;
  static Future<Outcome> wrongKeyPassword;
  /** The port a gateway is started on while something else holds it (until that gateway has exited). */
  static ServerSocket taken;
  static String missing;

  @BeforeAll
  static void startAll() throws Exception {
    unreachablePostgres = processes.submit(() -> run("dev.maestro.session.SessionMain", Map.of(
        "MAESTRO_PG_URL", "postgresql://postgres@127.0.0.1:1/maestro_test",
        "MAESTRO_STARTUP_TIMEOUT_SECONDS", "3")));
    unreachableRedis = processes.submit(() -> run("dev.maestro.gateway.GatewayMain", Map.of(
        "MAESTRO_REDIS_URL", "redis://127.0.0.1:1/0",
        "MAESTRO_STARTUP_TIMEOUT_SECONDS", "3")));
    taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    portTaken = processes.submit(() -> run("dev.maestro.gateway.GatewayMain", Map.of(
        "MAESTRO_HTTP_PORT", String.valueOf(taken.getLocalPort()),
        "MAESTRO_STARTUP_TIMEOUT_SECONDS", "30")));
    missing = java.nio.file.Files.createTempDirectory("maestro-nokey").resolve("cluster.p12").toString();
    missingKey = processes.submit(() -> run("dev.maestro.auth.AuthMain", Map.of("MAESTRO_CLUSTER_KEYSTORE", missing)));
    wrongKeyPassword = processes.submit(() -> run("dev.maestro.auth.AuthMain",
        Map.of("MAESTRO_CLUSTER_KEYSTORE_PASSWORD", "not-the-password")));
  }

  @AfterAll
  static void stopAll() throws Exception {
    processes.shutdownNow();
    if (taken != null) taken.close();
  }

  /** The outcome of a process started in {@link #startAll()} (each waits at most 90 s for its exit). */
  static Outcome outcome(Future<Outcome> process) throws Exception {
    return process.get(120, TimeUnit.SECONDS);
  }

  record Outcome(int exitCode, String stdout, String stderr, long millis) {}

  static Outcome run(String mainClass, Map<String, String> env) throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(
        new File(System.getProperty("java.home"), "bin/java").getPath(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", cp, mainClass));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("MAESTRO_"));
    pb.environment().put("MAESTRO_CLUSTER_NAME", "startup-" + UUID.randomUUID());
    pb.environment().put("MAESTRO_PG_URL", TestEnv.pgUrl());
    pb.environment().put("MAESTRO_REDIS_URL", TestEnv.redisUrl());
    pb.environment().put("MAESTRO_DATA_DIR", java.nio.file.Files.createTempDirectory("maestro-startup").toString());
    pb.environment().put("MAESTRO_MASTER_KEY", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    pb.environment().put("MAESTRO_HTTP_PORT", "0");
    TestClusterKey.settings().forEach(e -> pb.environment().put(e.getKey(), String.valueOf(e.getValue())));
    pb.environment().putAll(env);
    File out = File.createTempFile("maestro-out", ".log");
    File err = File.createTempFile("maestro-err", ".log");
    pb.redirectOutput(out).redirectError(err);
    long t0 = System.nanoTime();
    Process p = pb.start();
    boolean exited = p.waitFor(90, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
      throw new AssertionError("process did not exit: " + java.nio.file.Files.readString(out.toPath()));
    }
    return new Outcome(p.exitValue(), java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8),
        java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1_000_000);
  }

  static List<String> lines(String s) {
    return s.lines().filter(l -> !l.isBlank()).toList();
  }

  @Test
  void unreachablePostgresRetriesVisiblyThenExitsWithOneLine() throws Exception {
    Outcome o = outcome(unreachablePostgres);
    assertThat(o.exitCode()).isEqualTo(1);
    assertThat(o.stdout()).contains("waiting for PostgreSQL at 127.0.0.1:1/maestro_test").contains("retrying in");
    assertThat(lines(o.stderr())).hasSize(1);
    assertThat(o.stderr()).startsWith("maestro session: cannot start: PostgreSQL at 127.0.0.1:1/maestro_test is unreachable after 3s")
        .contains("MAESTRO_PG_URL");
    assertThat(o.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void unreachableRedisRetriesVisiblyThenExitsWithOneLine() throws Exception {
    Outcome o = outcome(unreachableRedis);
    assertThat(o.exitCode()).isEqualTo(1);
    assertThat(o.stdout()).contains("waiting for Redis").contains("retrying in");
    assertThat(lines(o.stderr())).hasSize(1);
    assertThat(o.stderr()).startsWith("maestro gateway: cannot start: Redis at redis://127.0.0.1:1/0 is unreachable after 3s")
        .contains("MAESTRO_REDIS_URL");
  }

  @Test
  void portAlreadyTakenExitsAtOnceWithOneLine() throws Exception {
    Outcome o = outcome(portTaken);
    assertThat(o.exitCode()).isEqualTo(1);
    assertThat(lines(o.stderr())).hasSize(1);
    assertThat(o.stderr()).startsWith("maestro gateway: cannot start: port " + taken.getLocalPort()
        + " on 127.0.0.1 is already in use").contains("MAESTRO_HTTP_PORT");
    // no retry loop for a taken port: it fails as soon as the listen is attempted
    assertThat(o.stdout()).doesNotContain("retrying in");
  }

  @Test
  void missingClusterKeyRefusesToStartWithOneLineNamingTheLauncher() throws Exception {
    Outcome o = outcome(missingKey);
    assertThat(o.exitCode()).isEqualTo(1);
    assertThat(lines(o.stderr())).hasSize(1);
    assertThat(o.stderr()).startsWith("maestro auth: cannot start: no cluster key at " + missing)
        .contains("./deploy/maestro up").contains("MAESTRO_CLUSTER_KEYSTORE");
    assertThat(o.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    // refused before joining: nothing of Hazelcast was started
    assertThat(o.stdout()).doesNotContain("Members {");
  }

  @Test
  void wrongClusterKeyPasswordRefusesToStartWithOneLine() throws Exception {
    Outcome o = outcome(wrongKeyPassword);
    assertThat(o.exitCode()).isEqualTo(1);
    assertThat(lines(o.stderr())).hasSize(1);
    assertThat(o.stderr()).startsWith("maestro auth: cannot start: cannot read the cluster key ")
        .contains("MAESTRO_CLUSTER_KEYSTORE_PASSWORD");
  }
}
