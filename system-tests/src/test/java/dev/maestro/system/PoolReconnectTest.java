package dev.maestro.system;

import java.time.Duration;
import org.awaitility.Awaitility;
import dev.maestro.gateway.GatewayVerticle;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A lost database connection is re-established by the pool, not by a restart. */
class PoolReconnectTest {

  @Test
  void killedDatabaseConnectionsAreReplacedWithoutRestart() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
      GatewayVerticle gateway = new GatewayVerticle();
      vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(TestEnv.config())).await(60, TimeUnit.SECONDS);
      WebClient client = WebClient.create(vertx);
      JsonObject before = client.get(gateway.actualPort(), "127.0.0.1", "/health").send()
          .await(10, TimeUnit.SECONDS).bodyAsJsonObject();
      assertThat(before.getString("postgres")).isEqualTo("UP");

      Pool admin = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestEnv.pgUrl())).using(vertx).build();
      long killed = admin.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
          + "WHERE application_name = 'maestro-gateway'").execute().await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
      assertThat(killed).as("gateway connections terminated").isPositive();

      String postgres = Awaitility.await("postgres UP again in /health").atMost(Duration.ofSeconds(10))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
          .until(() -> client.get(gateway.actualPort(), "127.0.0.1", "/health").send()
              .await(10, TimeUnit.SECONDS).bodyAsJsonObject().getString("postgres"), "UP"::equals);
      assertThat(postgres).isEqualTo("UP");
      long reconnected = admin.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'maestro-gateway'")
          .execute().await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
      assertThat(reconnected).as("fresh gateway connections").isPositive();
      admin.close();
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }
}
