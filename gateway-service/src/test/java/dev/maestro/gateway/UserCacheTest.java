package dev.maestro.gateway;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: a gateway answers who its caller is from memory (no app_user read per operation, so none per
 * WebSocket command), and a user changed through another gateway is read again at once: the change is
 * announced to every gateway.
 */
class UserCacheTest {
  static GatewayFixture fx;
  static String admin;
  static GatewayVerticle a;
  static GatewayVerticle b;

  @BeforeAll
  static void start() throws Exception {
    fx = new GatewayFixture();
    admin = fx.adminToken();
    a = fx.gateways.get(0);
    b = fx.addGateway();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  static int listUsers(GatewayVerticle via, String token) {
    return fx.call(via.actualPort(), HttpMethod.GET, "/api/v1/users", token, null, null).status();
  }

  @Test
  void theCallerIsReadOnceAndAgainAtOnceWhenChangedThroughAnotherGateway() {
    JsonObject other = fx.newUser(admin, "admin");
    String token = other.getString("token");
    assertThat(listUsers(b, token)).isEqualTo(200);
    long reads = b.users().byIdReads();
    assertThat(listUsers(b, token)).isEqualTo(200);
    assertThat(listUsers(b, token)).isEqualTo(200);
    assertThat(b.users().byIdReads()).as("the caller answered from memory").isEqualTo(reads);
    // demoted through A (no new password: the token stays valid): B refuses the admin-only operation at once
    assertThat(fx.call(a.actualPort(), HttpMethod.PATCH, "/api/v1/users/" + other.getString("id"), admin,
        new JsonObject().put("role", "member"), null).status()).isEqualTo(200);
    assertThat(listUsers(b, token)).isEqualTo(403);
    assertThat(listUsers(a, token)).isEqualTo(403);
    // promoted again through B: A lets it in at once
    assertThat(fx.call(b.actualPort(), HttpMethod.PATCH, "/api/v1/users/" + other.getString("id"), admin,
        new JsonObject().put("role", "admin"), null).status()).isEqualTo(200);
    assertThat(listUsers(a, token)).isEqualTo(200);
    assertThat(listUsers(b, token)).isEqualTo(200);
  }
}
