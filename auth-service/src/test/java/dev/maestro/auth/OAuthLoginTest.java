package dev.maestro.auth;

import dev.maestro.testkit.oidc.OidcServer;
import dev.maestro.testkit.oidc.LoginDriver;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Sign-in, refresh, revocation and restart against a real oidc-provider (access tokens live 5 s). */
class OAuthLoginTest extends AuthTestBase {
  static OidcServer oidc;

  @BeforeAll
  static void startServer() throws Exception {
    oidc = OidcServer.start(5);
  }

  @AfterAll
  static void stopServer() {
    if (oidc != null) oidc.close();
  }

  @Test
  void fullLoginFlowOverHttpStoresTokensAndTheBearerWorksAtTheServer() throws Exception {
    Instance i = start();
    JsonObject client = await(i.auth().createOAuthClient(oauthClientFor(oidc)));
    assertThat(client.getBoolean("hasClientSecret")).isTrue();
    assertThat(client.encode()).doesNotContain(OidcServer.CLIENT_SECRET);

    JsonObject started = await(i.auth().startOAuth("alice", "openai",
        new JsonObject().put("label", "work").put("oauthClientId", client.getString("id")), OidcServer.REDIRECT_URI));
    assertThat(started.getString("authorizeUrl")).startsWith(oidc.authorizeUrl())
        .contains("code_challenge_method=S256").contains("code_challenge=").contains("state=" + started.getString("state"));

    LoginDriver.Callback cb = LoginDriver.login(started.getString("authorizeUrl"), "alice-account");
    assertThat(cb.error()).isNull();
    JsonObject cred = await(i.auth().completeOAuth("alice", cb.state(), cb.code()));
    assertThat(cred.getString("kind")).isEqualTo("oauth");
    assertThat(cred.getString("status")).isEqualTo("active");
    assertThat(cred.getString("label")).isEqualTo("work");
    assertThat(cred.getString("expiresAt")).isNotNull();
    assertThat(cred.containsKey("secret")).isFalse();

    JsonObject resolved = await(i.auth().resolveSecret(cred.getString("id")));
    assertThat(resolved.getString("scheme")).isEqualTo("bearer");
    assertThat(cred.getString("maskedSecret")).endsWith(resolved.getString("secret").substring(resolved.getString("secret").length() - 4));
    HttpResponse<String> me = oidc.userinfo(resolved.getString("secret"));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(me.body()).getString("sub")).isEqualTo("alice-account");

    ServiceException reused = failure(i.auth().completeOAuth("alice", cb.state(), cb.code()));
    assertThat(reused.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(reused.getMessage()).contains("already completed");
    ServiceException unknown = failure(i.auth().completeOAuth("alice", "no-such-state", "x"));
    assertThat(unknown.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(unknown.getMessage()).contains("unknown sign-in state");

    assertThat(await(i.auth().listCredentials("alice"))).extracting(c -> c.getString("id")).containsExactly(cred.getString("id"));
    assertThat(failure(i.auth().getCredential("bob", cred.getString("id"))).failureCode()).isEqualTo(ErrorCodes.NOT_FOUND);
    assertNoPlaintext(List.of(resolved.getString("secret"), OidcServer.CLIENT_SECRET));
  }

  @Test
  void anExpiredStateIsRefusedWithAClearMessage() throws Exception {
    Instance i = start();
    JsonObject client = await(i.auth().createOAuthClient(oauthClientFor(oidc)));
    JsonObject started = await(i.auth().startOAuth("alice", "openai",
        new JsonObject().put("oauthClientId", client.getString("id")), OidcServer.REDIRECT_URI));
    sql("UPDATE oauth_state SET expires_at = now() - interval '1 second'");
    ServiceException e = failure(i.auth().completeOAuth("alice", started.getString("state"), "whatever"));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(e.getMessage()).contains("expired");

    ServiceException wrongProvider = failure(i.auth().startOAuth("alice", "gemini",
        new JsonObject().put("oauthClientId", client.getString("id")), OidcServer.REDIRECT_URI));
    assertThat(wrongProvider.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(wrongProvider.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("oauthClientId");
  }

  @Test
  void aSignInCarriesItsBaseUrlOntoTheCredential() throws Exception {
    Instance i = start();
    JsonObject client = await(i.auth().createOAuthClient(oauthClientFor(oidc)));
    JsonObject started = await(i.auth().startOAuth("alice", "openai", new JsonObject().put("oauthClientId", client.getString("id"))
        .put("baseUrl", "http://127.0.0.1:1/proxy/v1"), OidcServer.REDIRECT_URI));
    LoginDriver.Callback cb = LoginDriver.login(started.getString("authorizeUrl"), "proxy-account");
    JsonObject cred = await(i.auth().completeOAuth("alice", cb.state(), cb.code()));
    assertThat(cred.getString("baseUrl")).isEqualTo("http://127.0.0.1:1/proxy/v1");
    assertThat(await(i.auth().resolveSecret(cred.getString("id"))).getString("baseUrl")).isEqualTo("http://127.0.0.1:1/proxy/v1");

    ServiceException notUrl = failure(i.auth().startOAuth("alice", "openai", new JsonObject()
        .put("oauthClientId", client.getString("id")).put("baseUrl", "ftp://x"), OidcServer.REDIRECT_URI));
    assertThat(notUrl.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(notUrl.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("baseUrl");
    JsonObject compatible = await(i.auth().createOAuthClient(oauthClientFor(oidc).put("provider", "openai-compatible")));
    ServiceException noUrl = failure(i.auth().startOAuth("alice", "openai-compatible",
        new JsonObject().put("oauthClientId", compatible.getString("id")), OidcServer.REDIRECT_URI));
    assertThat(noUrl.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(noUrl.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("baseUrl");
  }

  @Test
  void tokensAreRefreshedBeforeTheyExpireAndStayUsable() throws Exception {
    Instance i = start();
    JsonObject client = await(i.auth().createOAuthClient(oauthClientFor(oidc)));
    JsonObject cred = signIn(i.auth(), "alice", client.getString("id"), "refresh-account");
    String first = await(i.auth().resolveSecret(cred.getString("id"))).getString("secret");

    eventually("the timer refreshed the token", 15_000, () -> refreshCount(cred.getString("id")) >= 1);
    // The first token really expires at the server; the credential still yields a working one.
    eventually("the first access token expired at the server", 15_000, () -> userinfoStatus(first) == 401);
    String current = await(i.auth().resolveSecret(cred.getString("id"))).getString("secret");
    assertThat(current).isNotEqualTo(first);
    assertThat(oidc.userinfo(current).statusCode()).isEqualTo(200);
    assertThat(await(i.auth().getCredential("alice", cred.getString("id"))).getString("status")).isEqualTo("active");
  }

  @Test
  void aRevokedRefreshTokenMarksTheCredentialNeedsReauthAndPublishesIt() throws Exception {
    Instance i = start();
    BlockingQueue<JsonObject> events = statusEvents(i);
    JsonObject client = await(i.auth().createOAuthClient(oauthClientFor(oidc)));
    JsonObject cred = signIn(i.auth(), "alice", client.getString("id"), "revoked-account");
    int invalidBefore = oidc.stats().getInteger("invalidGrants");

    oidc.revoke("revoked-account");
    sql("UPDATE credential SET next_refresh_at = now()");   // due now instead of in ~4 s

    JsonObject event = events.poll(15, TimeUnit.SECONDS);
    assertThat(event).isEqualTo(new JsonObject().put("credentialId", cred.getString("id")).put("userId", "alice")
        .put("status", "needs_reauth"));
    assertThat(await(i.auth().getCredential("alice", cred.getString("id"))).getString("status")).isEqualTo("needs_reauth");
    ServiceException e = failure(i.auth().resolveSecret(cred.getString("id")));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.CONFLICT);
    assertThat(e.getMessage()).contains("needs re-authorization");
    assertThat(oidc.stats().getInteger("invalidGrants")).isEqualTo(invalidBefore + 1);
  }

  @Test
  void aRestartLosesNoToken() throws Exception {
    Instance first = start();
    JsonObject client = await(first.auth().createOAuthClient(oauthClientFor(oidc)));
    JsonObject cred = signIn(first.auth(), "alice", client.getString("id"), "restart-account");
    stop(first);

    Instance second = start();
    JsonObject resolved = await(second.auth().resolveSecret(cred.getString("id")));
    assertThat(oidc.userinfo(resolved.getString("secret")).statusCode()).isEqualTo(200);
    // The refresh token survived too: a forced refresh after the restart succeeds.
    JsonObject refreshed = await(second.auth().refreshCredential(cred.getString("id")));
    assertThat(oidc.userinfo(refreshed.getString("secret")).statusCode()).isEqualTo(200);
    assertThat(await(second.auth().getCredential("alice", cred.getString("id"))).getString("status")).isEqualTo("active");
  }

  private long refreshCount(String id) {
    try {
      return sql("SELECT refresh_count FROM credential WHERE id='" + id + "'").get(0).getLong("refresh_count");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static int userinfoStatus(String token) {
    try {
      return oidc.userinfo(token).statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hostile: a member starts a sign-in and sends the link; the victim's browser completes it. */
  @Test
  void aSignInStartedByOneUserCannotBeCompletedByAnotherAndIsCancelled() throws Exception {
    Instance i = start();
    JsonObject client = await(i.auth().createOAuthClient(oauthClientFor(oidc)));
    JsonObject started = await(i.auth().startOAuth("mallory", "openai",
        new JsonObject().put("label", "trap").put("oauthClientId", client.getString("id")), OidcServer.REDIRECT_URI));
    LoginDriver.Callback cb = LoginDriver.login(started.getString("authorizeUrl"), "victim-account");
    assertThat(cb.error()).isNull();
    ServiceException refused = failure(i.auth().completeOAuth("victim", cb.state(), cb.code()));
    assertThat(refused.failureCode()).isEqualTo(ErrorCodes.FORBIDDEN);
    assertThat(refused.getMessage()).contains("another Maestro user").doesNotContain("Exception");
    // the code was never exchanged: no credential on either account, and the starter cannot finish it afterwards
    assertThat(await(i.auth().listCredentials("mallory"))).isEmpty();
    assertThat(await(i.auth().listCredentials("victim"))).isEmpty();
    ServiceException late = failure(i.auth().completeOAuth("mallory", cb.state(), cb.code()));
    assertThat(late.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(await(i.auth().listCredentials("mallory"))).isEmpty();
    // no user at all is refused before the state is touched
    assertThat(failure(i.auth().completeOAuth(null, "whatever", "x")).failureCode()).isEqualTo(ErrorCodes.FORBIDDEN);
  }
}
