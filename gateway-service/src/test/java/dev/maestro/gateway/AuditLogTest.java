package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.audit.AuditLogProbe;
import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 17 point 4 at the gateway: sign-ins (success and failure), token creation, admin changes and a
 * member's refused admin call are recorded (never a password); {@code GET /api/v1/audit} is admin-only,
 * filters, pages newest first and answers bad filters with a 400 problem; the table refuses UPDATE,
 * DELETE and TRUNCATE; a write that cannot be stored is dropped without failing anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditLogTest {
  GatewayFixture fx;
  String admin;
  String adminId;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    admin = fx.adminToken();
    adminId = fx.get("/api/v1/users", admin).json().getJsonArray("items").getJsonObject(0).getString("id");
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  JsonArray audit(String query) {
    Resp r = fx.get("/api/v1/audit" + query, admin);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getJsonArray("items");
  }

  JsonObject awaitEntry(String query, java.util.function.Predicate<JsonObject> which) {
    JsonObject[] found = new JsonObject[1];
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
      for (Object o : audit(query)) if (which.test((JsonObject) o)) found[0] = (JsonObject) o;
      return found[0] != null;
    });
    return found[0];
  }

  @Test
  void signInsTokensAndAdminChangesAreRecordedWithoutSecrets() {
    Resp wrong = fx.post("/api/v1/auth/token", null, new JsonObject().put("username", "admin").put("password", "not-the-password-1")
        .put("name", "x"));
    assertThat(wrong.status()).isEqualTo(401);
    JsonObject failed = awaitEntry("?action=signIn&outcome=failure", e -> "admin".equals(e.getString("target")));
    assertThat(failed.getValue("userId")).isNull();
    assertThat(failed.getString("kind")).isEqualTo("signIn");

    JsonObject ok = awaitEntry("?action=signIn&outcome=success&user=" + adminId, e -> adminId.equals(e.getString("userId")));
    assertThat(ok.getString("username")).isEqualTo("admin");
    assertThat(Instant.parse(ok.getString("at"))).isBefore(Instant.now().plusSeconds(1));
    awaitEntry("?action=createToken&user=admin", e -> adminId.equals(e.getString("userId")));

    String secretPassword = "Audit-Secret-Password-4711";
    Resp created = fx.post("/api/v1/users", admin, new JsonObject().put("username", "audited").put("password", secretPassword));
    assertThat(created.status()).isEqualTo(201);
    JsonObject change = awaitEntry("?action=createUser&outcome=success",
        e -> "audited".equals(e.getJsonObject("detail").getString("username")));
    assertThat(change.getString("userId")).isEqualTo(adminId);
    assertThat(change.getJsonObject("detail").getString("username")).isEqualTo("audited");
    assertThat(fx.get("/api/v1/audit?limit=200", admin).body()).doesNotContain(secretPassword).doesNotContain("password-");
  }

  @Test
  void aMemberIsRefusedTheTrailAndTheirRefusedAdminCallIsRecordedAsDenied() {
    JsonObject member = fx.newUser(admin, "member");
    Resp r = fx.get("/api/v1/audit", member.getString("token"));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + adminId, member.getString("token"), null).status()).isEqualTo(403);
    JsonObject denied = awaitEntry("?action=deleteUser&outcome=denied", e -> member.getString("id").equals(e.getString("userId")));
    assertThat(denied.getString("target")).isEqualTo(adminId);
    assertThat(denied.getJsonObject("detail").getInteger("status")).isEqualTo(403);
  }

  @Test
  void pagesNewestFirstAndRefusesBadFilters() {
    for (int i = 0; i < 3; i++) fx.post("/api/v1/auth/token", null, new JsonObject().put("username", "pager").put("password", "wrong-pw-123")
        .put("name", "x"));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> audit("?user=&action=signIn&outcome=failure").stream()
        .filter(o -> "pager".equals(((JsonObject) o).getString("target"))).count() == 3);
    Resp page1 = fx.get("/api/v1/audit?action=signIn&outcome=failure&limit=1", admin);
    String cursor = page1.json().getString("nextCursor");
    assertThat(cursor).isNotNull();
    JsonObject first = page1.json().getJsonArray("items").getJsonObject(0);
    JsonObject second = fx.get("/api/v1/audit?action=signIn&outcome=failure&limit=1&cursor=" + cursor, admin).json()
        .getJsonArray("items").getJsonObject(0);
    assertThat(Instant.parse(second.getString("at"))).isBeforeOrEqualTo(Instant.parse(first.getString("at")));
    assertThat(second.getString("id")).isNotEqualTo(first.getString("id"));
    String future = URLEncoder.encode(Instant.now().plusSeconds(3600).toString(), StandardCharsets.UTF_8);
    assertThat(audit("?from=" + future)).isEmpty();
    assertThat(audit("?to=" + URLEncoder.encode("2000-01-01T00:00:00Z", StandardCharsets.UTF_8))).isEmpty();

    Resp bad = fx.get("/api/v1/audit?from=yesterday&outcome=maybe", admin);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.header("Content-Type")).startsWith("application/problem+json");
    assertThat(bad.json().getJsonArray("errors").encode()).contains("from").contains("outcome");
  }

  @Test
  void theTableRefusesUpdateDeleteAndTruncateButTakesInserts() throws Exception {
    Pool pool = Database.pool(fx.vertx, MaestroConfig.of(fx.config), GatewayVerticle.SCHEMA, 1);
    try {
      pool.query("INSERT INTO audit_log (at, action, outcome) VALUES (now(), 'probe', 'success')").execute().await(10, TimeUnit.SECONDS);
      for (String sql : new String[] {"UPDATE audit_log SET outcome = 'failure'", "DELETE FROM audit_log", "TRUNCATE audit_log"}) {
        assertThatThrownBy(() -> pool.query(sql).execute().await(10, TimeUnit.SECONDS)).as(sql).hasMessageContaining("append-only");
      }
      long rows = pool.query("SELECT count(*) AS n FROM audit_log WHERE action = 'probe'").execute().await(10, TimeUnit.SECONDS)
          .iterator().next().getLong("n");
      assertThat(rows).isEqualTo(1);
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWriteThatCannotBeStoredIsDroppedWithoutFailing() throws Exception {
    Pool closed = Database.pool(fx.vertx, MaestroConfig.of(fx.config), GatewayVerticle.SCHEMA, 1);
    closed.close().await(10, TimeUnit.SECONDS);
    assertThat(AuditLogProbe.write(fx.vertx, closed, new JsonObject().put("action", "x").put("outcome", "success"))
        .await(10, TimeUnit.SECONDS)).isNull();
  }

  /** Issue 14: entries that come while a write runs are stored by one INSERT, in arrival order; a bad one loses only itself. */
  @Test
  void entriesThatComeTogetherAreStoredTogetherInOrderAndABadOneLosesOnlyItself() throws Exception {
    Pool pool = Database.pool(fx.vertx, MaestroConfig.of(fx.config), GatewayVerticle.SCHEMA, 2);
    try {
      String run = java.util.UUID.randomUUID().toString().substring(0, 8);
      java.util.List<JsonObject> entries = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        entries.add(new JsonObject().put("action", "batch-" + run).put("outcome", "success").put("target", "t" + i)
            .put("userId", adminId).put("detail", new JsonObject().put("i", i)));
      }
      // the first goes alone, the 49 that came while it was written go in one INSERT
      assertThat(AuditLogProbe.writeAll(fx.vertx, pool, entries).await(10, TimeUnit.SECONDS)).isEqualTo(2);
      java.util.List<String> stored = new java.util.ArrayList<>();
      for (io.vertx.sqlclient.Row r : pool.preparedQuery("SELECT target, detail FROM audit_log WHERE action = $1 ORDER BY id")
          .execute(io.vertx.sqlclient.Tuple.of("batch-" + run)).await(10, TimeUnit.SECONDS)) {
        stored.add(r.getString("target"));
      }
      assertThat(stored).containsExactlyElementsOf(entries.stream().map(e -> e.getString("target")).toList());

      // a NUL in the middle: PostgreSQL refuses that text, the batch is stored entry by entry, only that one is lost
      java.util.List<JsonObject> mixed = new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) {
        mixed.add(new JsonObject().put("action", "mixed-" + run).put("outcome", "success").put("target", i == 5 ? "bad" + (char) 0 : "m" + i));
      }
      AuditLogProbe.writeAll(fx.vertx, pool, mixed).await(10, TimeUnit.SECONDS);
      long n = pool.preparedQuery("SELECT count(*) AS n FROM audit_log WHERE action = $1").execute(io.vertx.sqlclient.Tuple.of("mixed-" + run))
          .await(10, TimeUnit.SECONDS).iterator().next().getLong("n");
      assertThat(n).isEqualTo(9);
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }
}
