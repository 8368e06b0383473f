package dev.maestro.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two auth-service instances (each its own Vert.x, sharing PostgreSQL) and 50 OAuth credentials
 * that expire at the same moment: both refresh timers and 200 concurrent resolveSecret calls race
 * for them, and the authorization server must see exactly one refresh grant per credential.
 */
class RefreshRaceTest extends OidcTestBase {
  static final int N = 50;

  @Test
  void fiftyCredentialsExpiringTogetherAreRefreshedExactlyOnceAcrossTwoInstances() throws Exception {
    Instance a = start();
    Instance b = start();
    String clientId = await(a.auth().createOAuthClient(oauthClientFor(oidc))).getString("id");
    List<String> ids = new ArrayList<>();
    for (int n = 0; n < N; n++) {
      Instance via = n % 2 == 0 ? a : b;
      ids.add(signIn(via.auth(), "user-" + n, clientId, "race-" + n).getString("id"));
    }
    JsonObject before = oidc.stats();

    // All 50 expire together, right now.
    long t0 = System.nanoTime();
    assertThat(sql("UPDATE credential SET expires_at = now(), next_refresh_at = now() RETURNING id")).hasSize(N);

    // Besides both timers, every credential is asked for twice by each instance at the same time.
    List<Future<JsonObject>> calls = new ArrayList<>();
    for (String id : ids) {
      calls.add(a.auth().resolveSecret(id));
      calls.add(b.auth().resolveSecret(id));
      calls.add(a.auth().resolveSecret(id));
      calls.add(b.auth().resolveSecret(id));
    }
    await(Future.all(calls));
    System.out.printf("[figure] %d credentials expiring together, 2 instances, %d concurrent resolveSecret calls: all fresh after %d ms%n",
        N, calls.size(), (System.nanoTime() - t0) / 1_000_000);

    for (int n = 0; n < N; n++) {
      Set<String> tokens = calls.subList(n * 4, n * 4 + 4).stream().map(f -> f.result().getString("secret")).collect(Collectors.toSet());
      assertThat(tokens).as("every caller of credential %d got the same fresh token", n).hasSize(1);
    }
    eventually("every credential refreshed", 10_000, () -> query("SELECT count(*) AS c FROM credential WHERE refresh_count = 1") == N);

    JsonObject after = oidc.stats();
    assertThat(after.getInteger("refreshGrants") - before.getInteger("refreshGrants")).isEqualTo(N);
    assertThat(after.getInteger("invalidGrants")).isEqualTo(before.getInteger("invalidGrants"));
    assertThat(after.getInteger("grantErrors")).isEqualTo(before.getInteger("grantErrors"));

    List<Row> rows = sql("SELECT status, refresh_count, next_refresh_at > now() + interval '10 minutes' AS later FROM credential");
    assertThat(rows).allSatisfy(r -> {
      assertThat(r.getString("status")).isEqualTo("active");
      assertThat(r.getLong("refresh_count")).isEqualTo(1L);
      assertThat(r.getBoolean("later")).isTrue();
    });
    for (int n = 0; n < N; n++) {
      String token = await((n % 2 == 0 ? b : a).auth().resolveSecret(ids.get(n))).getString("secret");
      assertThat(oidc.userinfo(token).statusCode()).as("credential %d usable", n).isEqualTo(200);
    }
    assertThat(oidc.stats().getInteger("refreshGrants") - before.getInteger("refreshGrants")).isEqualTo(N);
  }

  private long query(String q) {
    try {
      return sql(q).get(0).getLong("c");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
