package dev.maestro.platform;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A node cut off by a network partition in the middle of a transaction: PostgreSQL still sees a live client
 * (the connection's near end is alive; chaos: the forwarder), so without a limit the transaction's locks stay
 * taken for the whole cut, and every other node waiting on them stalls. With idleInTransactionMs, PostgreSQL
 * ends such a transaction and the waiter gets the lock.
 */
class DatabaseIdleTransactionTest {
  private static final String URL = System.getenv().getOrDefault("MAESTRO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_test");

  @Test
  void aTransactionWhoseClientFellSilentIsEndedAndItsLockFreed() throws Exception {
    Vertx vertx = Vertx.vertx();
    MaestroConfig cfg = MaestroConfig.of(new JsonObject().put(MaestroConfig.PG_URL, URL.substring(0, URL.lastIndexOf('/')) + "/postgres"));
    Pool silent = Database.pool(vertx, cfg, null, 1, 16, 500);
    Pool other = Database.pool(vertx, cfg, null, 1, 16);
    try {
      SqlConnection conn = silent.getConnection().await(10, TimeUnit.SECONDS);
      Transaction tx = conn.begin().await(10, TimeUnit.SECONDS);
      conn.query("SELECT pg_advisory_xact_lock(4242, 17)").execute().await(10, TimeUnit.SECONDS);
      // ... and this client says nothing more (cut off): another waits for the lock, and gets it
      long t0 = System.nanoTime();
      other.withTransaction(c -> c.query("SELECT pg_advisory_xact_lock(4242, 17)").execute()).await(15, TimeUnit.SECONDS);
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(waitedMs).as("the lock came free once the silent transaction was ended").isLessThan(10_000);
      // the silent client's transaction is gone: what it sends next fails, nothing of it commits
      assertThatThrownBy(() -> conn.query("SELECT 1").execute().compose(r -> tx.commit()).await(10, TimeUnit.SECONDS))
          .isNotNull();
      conn.close();
    } finally {
      silent.close().await(10, TimeUnit.SECONDS);
      other.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPoolWithoutTheLimitLeavesPostgresDefault() throws Exception {
    Vertx vertx = Vertx.vertx();
    MaestroConfig cfg = MaestroConfig.of(new JsonObject().put(MaestroConfig.PG_URL, URL.substring(0, URL.lastIndexOf('/')) + "/postgres"));
    Pool limited = Database.pool(vertx, cfg, null, 1, 16, 4000);
    Pool plain = Database.pool(vertx, cfg, null, 1, 16);
    try {
      assertThat(limited.query("SHOW " + Database.IDLE_IN_TRANSACTION).execute().await(10, TimeUnit.SECONDS).iterator().next().getString(0))
          .isEqualTo("4s");
      assertThat(plain.query("SHOW " + Database.IDLE_IN_TRANSACTION).execute().await(10, TimeUnit.SECONDS).iterator().next().getString(0))
          .as("the server's own setting (auth holds a transaction across an OAuth refresh)").isEqualTo("0");
    } finally {
      limited.close().await(10, TimeUnit.SECONDS);
      plain.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
