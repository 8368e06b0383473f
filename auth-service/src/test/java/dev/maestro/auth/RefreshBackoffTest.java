package dev.maestro.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.Test;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A token endpoint that cannot be reached: back off, keep serving the valid token, recover by itself. */
class RefreshBackoffTest extends OidcTestBase {

  @Test
  void networkErrorsBackOffBeforeExpiryAndRecover() throws Exception {
    Instance i = start();
    BlockingQueue<JsonObject> events = statusEvents(i);
    BlockingQueue<JsonObject> changes = changeEvents(i);
    String clientId = await(i.auth().createOAuthClient(oauthClientFor(oidc))).getString("id");
    JsonObject cred = signIn(i.auth(), "alice", clientId, "backoff-account");
    String token = await(i.auth().resolveSecret(cred.getString("id"))).getString("secret");
    int grants = oidc.stats().getInteger("refreshGrants");

    await(i.auth().updateOAuthClient(clientId, new JsonObject().put("tokenUrl", "http://127.0.0.1:1/token")));
    sql("UPDATE credential SET next_refresh_at = now()");

    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("credentialId", cred.getString("id"))
        .put("userId", "alice").put("status", "refreshing"));
    Row row = sql("SELECT refresh_failures, last_error, next_refresh_at > now() AS later,"
        + " next_refresh_at < expires_at AS before_expiry FROM credential").get(0);
    assertThat(row.getInteger("refresh_failures")).isGreaterThanOrEqualTo(1);
    assertThat(row.getString("last_error")).contains("unreachable");
    assertThat(row.getBoolean("later")).isTrue();
    assertThat(row.getBoolean("before_expiry")).isTrue();
    // Still valid, so still handed out while retrying.
    assertThat(await(i.auth().resolveSecret(cred.getString("id"))).getString("secret")).isEqualTo(token);

    await(i.auth().updateOAuthClient(clientId, new JsonObject().put("tokenUrl", oidc.tokenUrl())));
    assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("credentialId", cred.getString("id"))
        .put("userId", "alice").put("status", "active"));
    assertThat(oidc.stats().getInteger("refreshGrants")).isEqualTo(grants + 1);
    // a new access token: provider-service's cached one is dropped
    assertThat(changes.poll(10, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("credentialId", cred.getString("id"))
        .put("reason", "refreshed"));
    String fresh = await(i.auth().resolveSecret(cred.getString("id"))).getString("secret");
    assertThat(fresh).isNotEqualTo(token);
    assertThat(oidc.userinfo(fresh).statusCode()).isEqualTo(200);
  }
}
