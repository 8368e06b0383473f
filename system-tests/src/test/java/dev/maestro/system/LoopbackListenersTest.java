package dev.maestro.system;

import dev.maestro.testkit.TestClusterKey;
import dev.maestro.testkit.TestEnv;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile: a service started as in production with the default settings (no MAESTRO_CLUSTER_HOST,
 * no MAESTRO_HTTP_HOST) listens on loopback only: Hazelcast, the event bus and anything else. Read
 * from the kernel's socket tables for the process, not from what the service logs.
 */
class LoopbackListenersTest {

  /** A listening TCP socket: its local address as the kernel prints it (hex) and port. */
  record Listener(String address, int port, boolean ipv6) {
    boolean loopback() {
      if (!ipv6) return address.endsWith("7F");                 // 127.x.x.x, little-endian hex
      return address.equals("00000000000000000000000001000000") // ::1
          || address.startsWith("0000000000000000FFFF0000") && address.endsWith("7F"); // ::ffff:127.x.x.x
    }
  }

  @Test
  void aServiceWithDefaultSettingsListensOnLoopbackOnly() throws Exception {
    Path log = Files.createTempFile("maestro-listeners", ".log");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", cp, "dev.maestro.provider.ProviderMain");
    pb.environment().keySet().removeIf(k -> k.startsWith("MAESTRO_"));
    pb.environment().put("MAESTRO_CLUSTER_NAME", "listeners-" + UUID.randomUUID());
    pb.environment().put("MAESTRO_CLUSTER_PORT", "45701");
    pb.environment().put("MAESTRO_PG_URL", TestEnv.pgUrl());
    pb.environment().put("MAESTRO_REDIS_URL", TestEnv.redisUrl());
    pb.environment().put("MAESTRO_DATA_DIR", Files.createTempDirectory("maestro-listeners").toString());
    TestClusterKey.settings().forEach(e -> pb.environment().put(e.getKey(), String.valueOf(e.getValue())));
    pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    try {
      await().atMost(Duration.ofSeconds(90)).until(() -> !p.isAlive() || Files.readString(log).contains("provider service is UP"));
      assertThat(p.isAlive()).as("service started: " + Files.readString(log)).isTrue();
      List<Listener> listeners = listeners(p.pid());
      // Hazelcast and the event bus at least: the check below is not vacuous
      assertThat(listeners).hasSizeGreaterThanOrEqualTo(2);
      assertThat(listeners).allSatisfy(l -> assertThat(l.loopback()).as("listener " + l).isTrue());
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
    }
  }

  /** The process's listening TCP sockets: /proc/PID/net/tcp{,6} rows whose inode is one of its fds. */
  static List<Listener> listeners(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
        } catch (IOException closedMeanwhile) {
          // an fd closed while listing
        }
      }
    }
    List<Listener> out = new ArrayList<>();
    for (String table : List.of("tcp", "tcp6")) {
      for (String row : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", table))) {
        String[] f = row.trim().split("\\s+");
        if (f.length < 10 || !f[3].equals("0A") || !inodes.contains(f[9])) continue;  // 0A = LISTEN
        String[] local = f[1].split(":");
        out.add(new Listener(local[0], Integer.parseInt(local[1], 16), table.equals("tcp6")));
      }
    }
    return out;
  }
}
