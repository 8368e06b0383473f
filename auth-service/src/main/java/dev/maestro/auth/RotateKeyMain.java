package dev.maestro.auth;

import dev.maestro.auth.crypto.KeyRing;
import dev.maestro.auth.crypto.MasterKey;
import dev.maestro.auth.crypto.MasterKeySource;
import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.StartupException;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code rotate-key}: re-encrypts every secret of schema auth under a new master key. Stop every
 * auth-service instance first (they hold the old key in memory) and start them afterwards.
 *
 * <ul>
 *   <li>Key file mode (no MAESTRO_MASTER_KEY): a new key is generated into master.key.next (0600),
 *   the rows are re-encrypted in one transaction, then master.key.next replaces master.key. If the
 *   process dies in between, auth-service still loads master.key.next as a decrypt-only key.</li>
 *   <li>Environment mode: set MAESTRO_NEW_MASTER_KEY as well; after success, set MAESTRO_MASTER_KEY to
 *   that value. The key is never printed.</li>
 * </ul>
 */
public final class RotateKeyMain {
  public static final String NEW_MASTER_KEY = "MAESTRO_NEW_MASTER_KEY";

  private RotateKeyMain() {}

  public static void main(String[] args) {
    try {
      System.out.println(run(MaestroConfig.fromEnvironment()));
      System.exit(0);
    } catch (StartupException | IllegalArgumentException e) {
      System.err.println("rotate-key: " + e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      System.err.println("rotate-key failed, nothing was changed: " + e.getMessage());
      System.exit(1);
    }
  }

  static String run(MaestroConfig cfg) throws Exception {
    KeyRing current = MasterKeySource.load(cfg);
    boolean envMode = MasterKeySource.fromEnvironment(cfg);
    String given = System.getProperty(NEW_MASTER_KEY, System.getenv(NEW_MASTER_KEY));
    MasterKey next;
    Path keyFile = MasterKeySource.keyFile(cfg);
    Path nextFile = keyFile.resolveSibling(MasterKeySource.NEXT_FILE_NAME);
    if (envMode) {
      if (given == null || given.isBlank()) {
        throw new StartupException("MAESTRO_MASTER_KEY is set, so the new key must be given too: set "
            + NEW_MASTER_KEY + " (64 hex characters or base64 of 32 bytes; e.g. `openssl rand -hex 32`)");
      }
      next = MasterKey.parse(given, NEW_MASTER_KEY);
    } else {
      next = given == null || given.isBlank() ? MasterKey.generate() : MasterKey.parse(given, NEW_MASTER_KEY);
      MasterKeySource.write(nextFile, next, true);
    }
    Vertx vertx = Vertx.vertx();
    boolean committed = false;
    try {
      Database.migrate(vertx, cfg, AuthServiceVerticle.SCHEMA).await(cfg.startupTimeoutSeconds() + 10L, TimeUnit.SECONDS);
      Pool pool = Database.pool(vertx, cfg, AuthServiceVerticle.SCHEMA, 2);
      int n = KeyRotation.rotate(pool, current, next).await(5, TimeUnit.MINUTES);
      committed = true;
      pool.close();
      if (!envMode) MasterKeySource.promote(nextFile, keyFile);
      return "re-encrypted " + n + " secret(s) from key " + current.current().idHex() + " to key " + next.idHex()
          + (envMode ? "; now set MAESTRO_MASTER_KEY to the value of " + NEW_MASTER_KEY + " and start auth-service"
          : "; " + keyFile + " now holds the new key; start auth-service");
    } catch (Exception e) {
      // Rolled back: the old key still rules. Once committed, master.key.next must survive (it is loaded at start).
      if (!envMode && !committed) Files.deleteIfExists(nextFile);
      throw e;
    } finally {
      vertx.close();
    }
  }
}
