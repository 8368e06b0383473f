package dev.maestro.auth;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.testkit.services.FakeProviderService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** API-key credentials, validation through provider-service, OAuth client settings, encryption at rest. */
class CredentialsTest extends AuthTestBase {
  static final String KEY = "sk-ant-api03-secretvalue-abcdefghijklmnop-wxyz";
  /** The one key the stand-in provider-service accepts. */
  static final String GOOD_KEY = "sk-good-0123456789abcdefWXYZ";

  static JsonObject apiKey(String provider, String key) {
    return new JsonObject().put("provider", provider).put("kind", "api_key").put("label", "mine").put("apiKey", key);
  }

  @Test
  void anApiKeyIsStoredMaskedAndOnlyResolveSecretReturnsIt() throws Exception {
    Instance i = start();
    JsonObject c = await(i.auth().createCredential("alice", apiKey("anthropic", KEY)));
    assertThat(c.getString("maskedSecret")).isEqualTo("sk-ant-…wxyz");
    assertThat(c.getString("status")).isEqualTo("active");
    assertThat(c.getString("kind")).isEqualTo("api_key");
    assertThat(c.encode()).doesNotContain(KEY);
    assertThat(await(i.auth().listCredentials("alice"))).singleElement()
        .satisfies(x -> assertThat(x.encode()).doesNotContain(KEY));
    assertThat(await(i.auth().listCredentials("bob"))).isEmpty();
    assertThat(failure(i.auth().getCredential("bob", c.getString("id"))).failureCode()).isEqualTo(ErrorCodes.NOT_FOUND);
    assertThat(failure(i.auth().deleteCredential("bob", c.getString("id"))).failureCode()).isEqualTo(ErrorCodes.NOT_FOUND);

    JsonObject resolved = await(i.auth().resolveSecret(c.getString("id")));
    assertThat(resolved.getString("secret")).isEqualTo(KEY);
    assertThat(resolved.getString("scheme")).isEqualTo("api_key");
    assertThat(resolved.getString("provider")).isEqualTo("anthropic");

    await(i.auth().deleteCredential("alice", c.getString("id")));
    assertThat(failure(i.auth().resolveSecret(c.getString("id"))).failureCode()).isEqualTo(ErrorCodes.NOT_FOUND);
  }

  @Test
  void deletingACredentialAnnouncesTheChangeOnlyWhenItHappened() throws Exception {
    Instance i = start();
    java.util.concurrent.BlockingQueue<JsonObject> changes = changeEvents(i);
    JsonObject c = await(i.auth().createCredential("alice", apiKey("anthropic", KEY)));
    failure(i.auth().deleteCredential("bob", c.getString("id")));
    await(i.auth().deleteCredential("alice", c.getString("id")));
    assertThat(changes.poll(10, java.util.concurrent.TimeUnit.SECONDS))
        .isEqualTo(new JsonObject().put("credentialId", c.getString("id")).put("reason", "deleted"));
    assertThat(changes).isEmpty();   // bob's refused delete announced nothing
  }

  @Test
  void badInputNamesEveryWrongField() throws Exception {
    Instance i = start();
    ServiceException e = failure(i.auth().createCredential("alice", new JsonObject()
        .put("provider", "acme").put("apiKey", "has space").put("baseUrl", "ftp://x")));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(e.getDebugInfo().getJsonArray("errors").stream().map(o -> ((JsonObject) o).getString("field")))
        .containsExactlyInAnyOrder("provider", "apiKey", "baseUrl");
    ServiceException compat = failure(i.auth().createCredential("alice", apiKey("openai-compatible", "abcdefghijklmnop")));
    assertThat(compat.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("baseUrl");
    assertThat(failure(i.auth().getCredential("alice", "not-a-uuid")).failureCode()).isEqualTo(ErrorCodes.NOT_FOUND);
  }

  @Test
  void validationAsksProviderServiceAndSaysWhetherTheKeyWorks() throws Exception {
    Instance i = start();
    BlockingQueue<JsonObject> events = statusEvents(i);
    // provider-service not running yet: the key is kept, validation says so
    JsonObject unchecked = await(i.auth().createCredential("alice", apiKey("openai", GOOD_KEY).put("validate", true)));
    assertThat(unchecked.getJsonObject("validation")).isEqualTo(new JsonObject().put("ok", false)
        .put("message", "could not validate: provider-service unavailable"));
    assertThat(unchecked.getString("status")).isEqualTo("active");

    await(new ServiceBinder(i.vertx()).setAddress(ProviderService.ADDRESS)
        .register(ProviderService.class, FakeProviderService.checkingKeys(AuthService.createProxy(i.vertx()), GOOD_KEY::equals)).completion());
    JsonObject good = await(i.auth().createCredential("alice", apiKey("openai", GOOD_KEY).put("validate", true)));
    assertThat(good.getJsonObject("validation").getBoolean("ok")).isTrue();
    assertThat(good.getString("status")).isEqualTo("active");

    JsonObject bad = await(i.auth().createCredential("alice", apiKey("openai", "sk-wrong-0123456789abcdef").put("validate", true)));
    assertThat(bad.getJsonObject("validation")).isEqualTo(new JsonObject().put("ok", false).put("message", "401 invalid x-api-key"));
    assertThat(bad.getString("status")).isEqualTo("invalid");
    assertThat(events.poll(5, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("credentialId", bad.getString("id"))
        .put("userId", "alice").put("status", "invalid"));
  }

  @Test
  void oauthClientsAreDataWithAWriteOnlySecretAndAGooglePreset() throws Exception {
    Instance i = start();
    JsonObject created = await(i.auth().createOAuthClient(new JsonObject().put("preset", "google-gemini")
        .put("clientId", "1234.apps.googleusercontent.com").put("clientSecret", "GOCSPX-very-secret-value")));
    assertThat(created.getString("provider")).isEqualTo("gemini");
    assertThat(created.getString("tokenUrl")).isEqualTo("https://oauth2.googleapis.com/token");
    assertThat(created.getJsonObject("extraParams").getString("access_type")).isEqualTo("offline");
    assertThat(created.getBoolean("hasClientSecret")).isTrue();
    assertThat(created.encode()).doesNotContain("GOCSPX-very-secret-value");
    assertThat(await(i.auth().listOAuthClientPresets())).extracting(p -> p.getString("preset")).contains("google-gemini");

    JsonObject updated = await(i.auth().updateOAuthClient(created.getString("id"), new JsonObject().put("name", "Google for the team")));
    assertThat(updated.getString("name")).isEqualTo("Google for the team");
    assertThat(updated.getBoolean("hasClientSecret")).as("secret kept when not given").isTrue();
    JsonObject cleared = await(i.auth().updateOAuthClient(created.getString("id"), new JsonObject().put("clientSecret", (String) null)));
    assertThat(cleared.getBoolean("hasClientSecret")).isFalse();

    JsonObject start = await(i.auth().startOAuth("alice", "gemini", new JsonObject().put("oauthClientId", created.getString("id")),
        "http://localhost:8080/oauth/callback"));
    assertThat(start.getString("authorizeUrl")).startsWith("https://accounts.google.com/o/oauth2/v2/auth?")
        .contains("client_id=1234.apps.googleusercontent.com").contains("access_type=offline")
        .contains("redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Foauth%2Fcallback").contains("code_challenge_method=S256");

    ServiceException bad = failure(i.auth().createOAuthClient(new JsonObject().put("provider", "gemini").put("name", "x")
        .put("authorizeUrl", "not a url").put("clientId", "").put("scopes", new JsonArray().add(3))));
    assertThat(bad.getDebugInfo().getJsonArray("errors").stream().map(o -> ((JsonObject) o).getString("field")))
        .containsExactlyInAnyOrder("authorizeUrl", "tokenUrl", "clientId", "scopes");

    await(i.auth().deleteOAuthClient(created.getString("id")));
    assertThat(await(i.auth().listOAuthClients())).isEmpty();
    assertThat(failure(i.auth().getOAuthClient(created.getString("id"))).failureCode()).isEqualTo(ErrorCodes.NOT_FOUND);
  }

  @Test
  void noRowOfSchemaAuthHoldsAPlaintextSecret() throws Exception {
    Instance i = start();
    await(i.auth().createCredential("alice", apiKey("anthropic", KEY)));
    await(i.auth().createCredential("bob", apiKey("openai", "sk-proj-another-secret-0000-1111")));
    JsonObject client = await(i.auth().createOAuthClient(new JsonObject().put("preset", "google-gemini")
        .put("clientId", "id-1").put("clientSecret", "client-secret-plaintext-42")));
    await(i.auth().startOAuth("alice", "gemini", new JsonObject().put("oauthClientId", client.getString("id")),
        "http://localhost:8080/oauth/callback"));
    assertThat(sql("SELECT * FROM credential")).hasSize(2);
    assertNoPlaintext(List.of(KEY, "sk-proj-another-secret-0000-1111", "client-secret-plaintext-42"));
  }

  @Test
  void tamperedOrMovedCiphertextGivesAClearErrorNeverGarbage() throws Exception {
    Instance i = start();
    JsonObject a = await(i.auth().createCredential("alice", apiKey("anthropic", KEY)));
    JsonObject b = await(i.auth().createCredential("alice", apiKey("openai", "sk-proj-second-key-0000000000")));

    sql("UPDATE credential SET secret_ct = set_byte(secret_ct, 30, get_byte(secret_ct, 30) # 1) WHERE id='" + a.getString("id") + "'");
    ServiceException tampered = failure(i.auth().resolveSecret(a.getString("id")));
    assertThat(tampered.failureCode()).isEqualTo(ErrorCodes.CONFLICT);
    assertThat(tampered.getMessage()).contains("failed its integrity check").contains(a.getString("id")).doesNotContain(KEY);

    // A valid ciphertext copied from another row is refused too (it is bound to its row).
    sql("UPDATE credential SET secret_ct = (SELECT secret_ct FROM credential WHERE id='" + b.getString("id") + "') WHERE id='"
        + a.getString("id") + "'");
    ServiceException moved = failure(i.auth().resolveSecret(a.getString("id")));
    assertThat(moved.getMessage()).contains("failed its integrity check");
    assertThat(await(i.auth().resolveSecret(b.getString("id"))).getString("secret")).isEqualTo("sk-proj-second-key-0000000000");
  }
}
