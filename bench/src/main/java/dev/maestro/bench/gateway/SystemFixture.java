package dev.maestro.bench.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the bench sets up around the system: an empty database, the services' environment, and over
 * the public API a token, a credential pointing at the fake upstream and one session per stream.
 */
final class SystemFixture {
  /** MAESTRO_BENCH_CLUSTER_PORT, default 28701: several engineers share a machine. */
  static final int CLUSTER_PORT = Integer.parseInt(GatewayEndToEndBench.env("MAESTRO_BENCH_CLUSTER_PORT", "28701"));
  static final String ADMIN_PASSWORD = "bench-" + UUID.randomUUID();
  static final String MODEL = "gpt-4o-mini";

  private SystemFixture() {}

  /** The services' MAESTRO_* environment: random cluster, free HTTP port, no rate limits, a big enough upstream pool. */
  static Map<String, String> serviceEnv(String pgUrl, String redisUrl, int httpPort, Path data, int maxLevel, int services) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MAESTRO_PG_URL", pgUrl);
    env.put("MAESTRO_REDIS_URL", redisUrl);
    // the services refuse to start without a cluster key: the testkit's shared one (created once per user)
    dev.maestro.testkit.TestClusterKey.settings().forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
    env.put("MAESTRO_HTTP_HOST", "127.0.0.1");
    env.put("MAESTRO_HTTP_PORT", String.valueOf(httpPort));
    env.put("MAESTRO_CLUSTER_NAME", "bench-" + UUID.randomUUID());
    env.put("MAESTRO_CLUSTER_HOST", "127.0.0.1");
    env.put("MAESTRO_CLUSTER_PORT", String.valueOf(CLUSTER_PORT));
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < services + 3; i++) members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(CLUSTER_PORT + i);
    env.put("MAESTRO_CLUSTER_MEMBERS", members.toString());
    env.put("MAESTRO_DATA_DIR", data.toString());
    // the cluster is closed: every service needs the (test) cluster key
    dev.maestro.testkit.TestClusterKey.settings().forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
    // the fake upstream runs on loopback (outbound URL policy)
    env.put("MAESTRO_ALLOWED_PRIVATE_HOSTS", dev.maestro.testkit.TestEnv.ALLOWED_PRIVATE_HOSTS);
    env.put("MAESTRO_ADMIN_PASSWORD", ADMIN_PASSWORD);
    env.put("MAESTRO_RATE_API_PER_MINUTE", "100000000");
    env.put("MAESTRO_RATE_SENDS_PER_MINUTE", "100000000");
    // every stream of a level is one user's turn at once: lift the per-user limit above the largest level
    env.put("MAESTRO_SESSION_MAX_TURNS_PER_USER", String.valueOf(Math.max(8, maxLevel * 2 + 16)));
    env.put("MAESTRO_SESSION_MAX_LIVE_PER_USER", String.valueOf(Math.max(100, maxLevel * 3 + 64)));
    // one upstream connection per concurrent stream (the default pool of 200 would queue the 1,000-stream run)
    env.put("MAESTRO_PROVIDER_POOL_SIZE", String.valueOf(Math.max(200, maxLevel + 64)));
    return env;
  }

  /** Drops the schemas of the bench database so the bootstrap admin gets this run's password. */
  static void freshDatabase(Vertx vertx, String pgUrl) throws Exception {
    PgConnectOptions target = PgConnectOptions.fromUri(pgUrl);
    Pool admin = PgBuilder.pool().connectingTo(new PgConnectOptions(target).setDatabase("postgres")).using(vertx).build();
    try {
      String db = target.getDatabase();
      boolean exists = admin.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1")
          .execute(Tuple.of(db)).await(30, TimeUnit.SECONDS).size() > 0;
      if (!exists) admin.query("CREATE DATABASE \"" + db.replace("\"", "") + "\"").execute().await(30, TimeUnit.SECONDS);
    } finally {
      admin.close();
    }
    Pool bench = PgBuilder.pool().connectingTo(target).using(vertx).build();
    try {
      for (String schema : List.of("gateway", "session", "auth", "tool", "provider")) {
        bench.query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute().await(60, TimeUnit.SECONDS);
      }
    } finally {
      bench.close();
    }
  }

  static String mintToken(WebClient http, int port) throws Exception {
    HttpResponse<Buffer> r = http.post(port, "127.0.0.1", "/api/v1/auth/token").sendJsonObject(new JsonObject()
        .put("username", "admin").put("password", ADMIN_PASSWORD).put("name", "e2e-bench")).await(30, TimeUnit.SECONDS);
    if (r.statusCode() != 201) throw new IllegalStateException("token: HTTP " + r.statusCode() + " " + r.bodyAsString());
    return r.bodyAsJsonObject().getString("token");
  }

  static String createCredential(WebClient http, int port, String token, String baseUrl) throws Exception {
    HttpResponse<Buffer> r = http.post(port, "127.0.0.1", "/api/v1/credentials").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("provider", "openai").put("kind", "api_key").put("label", "bench fake")
            .put("apiKey", "sk-bench-fake-key").put("baseUrl", baseUrl)).await(30, TimeUnit.SECONDS);
    if (r.statusCode() != 201) throw new IllegalStateException("credential: HTTP " + r.statusCode() + " " + r.bodyAsString());
    return r.bodyAsJsonObject().getString("id");
  }

  /** n sessions, 16 requests at a time. */
  static List<String> createSessions(WebClient http, int port, String token, String credentialId, int n) throws Exception {
    long t = System.currentTimeMillis();
    String[] ids = new String[n];
    for (int from = 0; from < n; from += 16) {
      List<Future<?>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 16); i++) {
        int idx = i;
        batch.add(http.post(port, "127.0.0.1", "/api/v1/sessions").bearerTokenAuthentication(token)
            .sendJsonObject(new JsonObject().put("title", "bench " + i).put("provider", "openai").put("model", MODEL)
                .put("credentialId", credentialId))
            .map(r -> {
              if (r.statusCode() != 201) throw new IllegalStateException("session: HTTP " + r.statusCode() + " " + r.bodyAsString());
              ids[idx] = r.bodyAsJsonObject().getString("id");
              return null;
            }));
      }
      Future.all(batch).await(60, TimeUnit.SECONDS);
    }
    System.out.printf("%d sessions created in %d ms%n", n, System.currentTimeMillis() - t);
    return Arrays.asList(ids);
  }
}
