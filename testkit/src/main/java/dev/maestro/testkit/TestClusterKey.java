package dev.maestro.testkit;

import dev.maestro.platform.ClusterKey;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.json.JsonObject;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Cluster key pairs for tests, made as {@code deploy/maestro} makes them (keytool, a self-signed EC
 * certificate in a PKCS12 keystore, mode 0600): one shared by every clustered node of the tests, so
 * all clustered tests run with event bus TLS on, and fresh ones for hostile tests (a rogue's key).
 */
public final class TestClusterKey {
  private TestClusterKey() {}

  private static ClusterKey shared;
  private static String sharedPassword;

  /**
   * The test cluster key, created on first use. It is kept in {@code $TMPDIR/maestro-test-cluster-key-<user>}
   * (0700/0600) and reused by later test JVMs: keytool takes seconds on a busy machine, and the key is
   * for tests only.
   */
  public static synchronized ClusterKey shared() {
    if (shared != null) return shared;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "maestro-test-cluster-key-" + System.getProperty("user.name"));
    Path keystore = dir.resolve(ClusterKey.FILE_NAME);
    Path pwFile = dir.resolve(ClusterKey.PASSWORD_FILE_NAME);
    try {
      if (!Files.isRegularFile(pwFile)) {
        ClusterKey fresh = create(UUID.randomUUID().toString());
        try {
          // atomic: a test JVM running at the same time either sees the whole directory or none
          Files.move(fresh.keystore().getParent(), dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException raced) {
          if (!Files.isRegularFile(pwFile)) throw raced;
        }
      }
      sharedPassword = Files.readString(pwFile).trim();
      shared = ClusterKey.load(keystore, sharedPassword);
      return shared;
    } catch (IOException | RuntimeException e) {
      // unreadable or damaged cache: a key of this JVM's own
      sharedPassword = UUID.randomUUID().toString();
      shared = create(sharedPassword);
      return shared;
    }
  }

  /**
   * MAESTRO_CLUSTER_KEYSTORE and MAESTRO_CLUSTER_KEYSTORE_PASSWORD naming the shared key, for service
   * mains run as processes in tests.
   */
  public static synchronized JsonObject settings() {
    ClusterKey key = shared();
    return new JsonObject().put(MaestroConfig.CLUSTER_KEYSTORE, key.keystore().toString())
        .put(MaestroConfig.CLUSTER_KEYSTORE_PASSWORD, sharedPassword);
  }

  /** A new key pair in a new temporary directory ({@code cluster.p12} + {@code cluster.password}). */
  public static ClusterKey create(String password) {
    try {
      Path dir = Files.createTempDirectory("maestro-cluster-key-");
      Path keystore = dir.resolve(ClusterKey.FILE_NAME);
      // one PBE/MAC iteration: the password is random, and Vert.x loads the keystore for each TLS
      // context (server and client of every node); with the default 10,000 each load costs ~0.3-1 s
      List<String> cmd = List.of(new File(System.getProperty("java.home"), "bin/keytool").getPath(),
          "-J-Dkeystore.pkcs12.keyPbeIterationCount=1", "-J-Dkeystore.pkcs12.certPbeIterationCount=1",
          "-J-Dkeystore.pkcs12.macIterationCount=1",
          "-genkeypair", "-noprompt", "-alias", "maestro-cluster", "-keyalg", "EC", "-groupname", "secp256r1",
          "-sigalg", "SHA256withECDSA", "-dname", "CN=maestro-cluster", "-validity", "3650",
          "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password, "-keypass", password);
      Path log = dir.resolve("keytool.log");
      Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("keytool failed: " + Files.readString(log));
      }
      Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
      Path pw = dir.resolve(ClusterKey.PASSWORD_FILE_NAME);
      Files.writeString(pw, password + "\n");
      Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
      return ClusterKey.load(keystore, password);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a test cluster key: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating a test cluster key", e);
    }
  }
}
