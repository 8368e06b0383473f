package dev.maestro.system;

import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Each service creates its own schema on first start; a second start changes nothing. */
class SchemaMigrationTest {
  static Vertx vertx;
  static Pool admin;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    admin = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestEnv.pgUrl())).using(vertx).build();
  }

  @AfterAll
  static void tearDown() throws Exception {
    admin.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gateway", "session", "provider", "tool", "auth"})
  void firstStartCreatesTheSchemaSecondIsANoOp(String schema) throws Exception {
    MaestroConfig cfg = MaestroConfig.of(TestEnv.config());
    TestEnv.dropSchema(vertx, schema).await(30, TimeUnit.SECONDS);

    int first = Database.migrate(vertx, cfg, schema).await(60, TimeUnit.SECONDS);
    assertThat(first).isPositive();
    long tables = admin.preparedQuery("SELECT count(*) FROM information_schema.tables WHERE table_schema = $1")
        .execute(Tuple.of(schema)).await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    assertThat(tables).as("tables in schema %s", schema).isGreaterThan(1); // history + the service's own

    int second = Database.migrate(vertx, cfg, schema).await(60, TimeUnit.SECONDS);
    assertThat(second).isZero();
  }
}
