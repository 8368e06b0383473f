package dev.maestro.platform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A burst larger than the database pool's wait queue (seen with 1,000 turn starts at once in bench e2e) is said
 * as load — a 503 "overloaded … try again" — not as an internal error with a ref and a stack trace per request.
 */
class PoolOverloadTest {
  @Test
  void aFullWaitQueueIsA503OverloadedWithNoInternals() throws Exception {
    Vertx vertx = Vertx.vertx();
    String url = System.getenv().getOrDefault("MAESTRO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_test");
    PgConnectOptions options = PgConnectOptions.fromUri(url.substring(0, url.lastIndexOf('/')) + "/postgres");
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(1)).connectingTo(options).using(vertx).build();
    try {
      // one runs, one waits, the third finds the queue full
      List<Future<?>> queries = List.of(pool.query("select pg_sleep(0.3)").execute(), pool.query("select 1").execute(),
          pool.query("select 2").execute());
      Future.join(queries).otherwiseEmpty().await(20, TimeUnit.SECONDS);
      Throwable refused = queries.get(2).cause();
      assertThat(refused).as("the third query is refused by the full wait queue").isNotNull();
      assertThat(queries.get(0).succeeded()).isTrue();
      ServiceException e = ServiceFailures.internal("session-service", refused);
      assertThat(e.failureCode()).isEqualTo(503);
      assertThat(e.getMessage()).isEqualTo("session-service is overloaded: too many requests are waiting for the database; try again in a moment");
      ServiceFailuresTest.noInternals(e.getMessage());
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
