package dev.maestro.gateway;

import dev.maestro.platform.MaestroConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /oauth/client-metadata.json: the document auth-service's URL client_id points at. */
class ClientMetadataDocumentTest {

  @Test
  void anHttpsPublicUrlServesTheDocumentNamingItselfAndTheCallback() throws Exception {
    try (GatewayFixture fx = new GatewayFixture(new JsonObject().put(MaestroConfig.PUBLIC_URL, "https://maestro.example.test/"))) {
      GatewayFixture.Resp r = fx.get("/oauth/client-metadata.json", null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Content-Type")).startsWith("application/json");
      assertThat(r.json()).isEqualTo(new JsonObject()
          .put("client_id", "https://maestro.example.test/oauth/client-metadata.json")
          .put("client_name", "Maestro")
          .put("redirect_uris", new JsonArray().add("https://maestro.example.test/oauth/callback"))
          .put("grant_types", new JsonArray().add("authorization_code").add("refresh_token"))
          .put("response_types", new JsonArray().add("code"))
          .put("token_endpoint_auth_method", "none"));
    }
  }

  @Test
  void theConfiguredUrlIsTheClientIdAndWithoutOneThereIsNoDocument() throws Exception {
    try (GatewayFixture fx = new GatewayFixture(new JsonObject().put(MaestroConfig.PUBLIC_URL, "http://127.0.0.1:9")
        .put(MaestroConfig.OAUTH_CLIENT_METADATA_URL, "https://proxy.example.test/oauth/client-metadata.json"))) {
      JsonObject doc = fx.get("/oauth/client-metadata.json", null).json();
      assertThat(doc.getString("client_id")).isEqualTo("https://proxy.example.test/oauth/client-metadata.json");
      assertThat(doc.getJsonArray("redirect_uris")).containsExactly("http://127.0.0.1:9/oauth/callback");
    }
    // A plain-http public URL cannot host a client_id (the draft requires https): no document.
    try (GatewayFixture fx = new GatewayFixture(new JsonObject().put(MaestroConfig.PUBLIC_URL, "http://127.0.0.1:9"))) {
      GatewayFixture.Resp r = fx.get("/oauth/client-metadata.json", null);
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.json().getString("detail")).contains("MAESTRO_OAUTH_CLIENT_METADATA_URL");
    }
  }
}
