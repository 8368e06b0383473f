package dev.maestro.system;

import java.time.Duration;
import org.awaitility.Awaitility;
import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.provider.ProviderServiceVerticle;
import dev.maestro.testkit.TestEnv;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeRequest;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import dev.maestro.testkit.oidc.LoginDriver;
import dev.maestro.testkit.oidc.OidcServer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A provider call made with a token that came out of a real sign-in: auth-service and
 * provider-service each on its own clustered Vert.x, oidc-provider as the authorization server
 * (access tokens live 5 s), the testkit fake as Google's cloud. The login is driven over HTTP
 * (authorize → login → consent → callback), the chat goes through ProviderService, and the bearer
 * the fake received is checked at the authorization server's userinfo endpoint.
 */
class OAuthProviderCallTest {
  static final long T = 30;
  static final String ACCOUNT = "gemini-user";
  static ServiceNodes services;
  static Vertx client;
  static JsonObject config;
  static OidcServer oidc;
  static FakeUpstream upstream;
  static AuthService auth;
  static ProviderService provider;

  @BeforeAll
  static void startSystem() throws Exception {
    oidc = OidcServer.start(5);
    config = TestEnv.config().put(AuthServiceVerticle.REFRESH_PERIOD_MS, "200");
    services = new ServiceNodes(config);
    client = services.member();
    // this node receives the provider's stream like session-service does: in the binary stream codec
    dev.maestro.contracts.provider.StreamEventCodec.register(client);
    TestEnv.ensureDatabase(client).await(T, TimeUnit.SECONDS);
    for (String schema : List.of("auth", "provider")) TestEnv.dropSchema(client, schema).await(T, TimeUnit.SECONDS);
    upstream = FakeUpstream.start(client, 0).await(T, TimeUnit.SECONDS);
    services.deploy(AuthServiceVerticle::new);
    services.deploy(ProviderServiceVerticle::new);
    auth = AuthService.createProxy(client);
    provider = ProviderService.createProxy(client);
  }

  @AfterAll
  static void stopSystem() throws Exception {
    if (services != null) services.close();
    if (oidc != null) oidc.close();
  }

  @Test
  void theBearerFromAnHttpSignInReachesTheProviderAndIsReplacedByARefreshedOneAfterExpiry() throws Exception {
    JsonObject oauthClient = auth.createOAuthClient(new JsonObject().put("provider", "gemini").put("name", "oidc-provider")
        .put("authorizeUrl", oidc.authorizeUrl()).put("tokenUrl", oidc.tokenUrl())
        .put("clientId", OidcServer.CLIENT_ID).put("clientSecret", OidcServer.CLIENT_SECRET)
        .put("scopes", new JsonArray().add("openid"))).await(T, TimeUnit.SECONDS);
    JsonObject started = auth.startOAuth("alice", "gemini", new JsonObject().put("label", "google sign-in")
            .put("oauthClientId", oauthClient.getString("id")).put("baseUrl", upstream.baseUrl()), OidcServer.REDIRECT_URI)
        .await(T, TimeUnit.SECONDS);
    LoginDriver.Callback callback = LoginDriver.login(started.getString("authorizeUrl"), ACCOUNT);
    assertThat(callback.error()).as("authorization error").isNull();
    assertThat(callback.state()).isEqualTo(started.getString("state"));
    JsonObject credential = auth.completeOAuth("alice", callback.state(), callback.code()).await(T, TimeUnit.SECONDS);
    assertThat(credential.getString("kind")).isEqualTo("oauth");
    assertThat(credential.getString("status")).isEqualTo("active");
    assertThat(credential.getString("baseUrl")).isEqualTo(upstream.baseUrl());
    String credentialId = credential.getString("id");

    upstream.enqueue(FakeReply.stream(FakeTurn.create().text("Signed ", "in ", "with Google.")));
    String first = bearerOfChat(credentialId, "first question", "Signed in with Google.");
    assertUserinfoAccepts(first);
    int refreshesBefore = oidc.stats().getInteger("refreshGrants");

    // Tokens issued from now on outlive the assertions below; the first one still dies after 5 s.
    oidc.setAccessTtl(120);
    eventually("the first access token expired at the authorization server", 20_000,
        () -> oidc.userinfo(first).statusCode() == 401);

    upstream.enqueue(FakeReply.stream(FakeTurn.create().text("Still ", "signed ", "in.")));
    String second = bearerOfChat(credentialId, "second question", "Still signed in.");
    assertThat(second).as("the bearer after expiry").isNotEqualTo(first);
    assertUserinfoAccepts(second);
    assertThat(oidc.stats().getInteger("refreshGrants")).as("refresh grants at the server").isGreaterThan(refreshesBefore);
    assertThat(oidc.stats().getInteger("codeGrants")).as("one sign-in only").isEqualTo(1);
  }

  /** Streams one chat with the credential, checks its answer, returns the bearer the fake cloud received. */
  static String bearerOfChat(String credentialId, String question, String expectedAnswer) throws Exception {
    upstream.clearRequests();
    List<JsonObject> events = chat(credentialId, question);
    JsonObject last = events.get(events.size() - 1);
    assertThat(last.getString("type")).as("last event %s", last.encode()).isEqualTo(ProviderEvents.DONE);
    assertThat(last.getString("stopReason")).isEqualTo("end_turn");
    assertThat(text(events)).isEqualTo(expectedAnswer);

    assertThat(upstream.requests()).as("one upstream call").hasSize(1);
    FakeRequest received = upstream.lastRequest();
    assertThat(received.wire()).isEqualTo("gemini");
    assertThat(received.body().encode()).contains(question);
    assertThat(received.header("x-goog-api-key")).as("no API key for an OAuth credential").isNull();
    String authorization = received.header("authorization");
    assertThat(authorization).startsWith("Bearer ");
    return authorization.substring("Bearer ".length());
  }

  static List<JsonObject> chat(String credentialId, String question) throws Exception {
    String streamId = UUID.randomUUID().toString();
    String replyAddress = "test.oauth-provider-call." + streamId;
    LinkedBlockingQueue<JsonObject> queue = new LinkedBlockingQueue<>();
    MessageConsumer<JsonObject> consumer = client.eventBus().<JsonObject>consumer(replyAddress, m -> queue.add(m.body()));
    consumer.completion().await(T, TimeUnit.SECONDS);
    try {
      JsonObject request = new JsonObject().put("provider", "gemini").put("credentialId", credentialId)
          .put("model", "gemini-2.0-flash").put("maxTokens", 256)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", question)));
      provider.stream(request, replyAddress, streamId).await(T, TimeUnit.SECONDS);
      List<JsonObject> events = new ArrayList<>();
      long deadline = System.currentTimeMillis() + T * 1000;
      while (true) {
        JsonObject e = queue.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        if (e == null) return fail("the stream did not end within " + T + " s; events so far: " + events);
        events.add(e);
        String type = e.getString("type");
        if (ProviderEvents.DONE.equals(type) || ProviderEvents.ERROR.equals(type)) return events;
      }
    } finally {
      consumer.unregister().await(T, TimeUnit.SECONDS);
    }
  }

  static String text(List<JsonObject> events) {
    StringBuilder sb = new StringBuilder();
    for (JsonObject e : events) if (ProviderEvents.TEXT.equals(e.getString("type"))) sb.append(e.getString("text"));
    return sb.toString();
  }

  /** The token is a live access token of the signed-in account at the authorization server. */
  static void assertUserinfoAccepts(String bearer) throws Exception {
    HttpResponse<String> me = oidc.userinfo(bearer);
    assertThat(me.statusCode()).as("userinfo with the bearer the provider received").isEqualTo(200);
    assertThat(new JsonObject(me.body()).getString("sub")).isEqualTo(ACCOUNT);
  }

  interface Check {
    boolean holds() throws Exception;
  }

  static void eventually(String what, long timeoutMs, Check check) {
    Awaitility.await(what).atMost(Duration.ofMillis(timeoutMs)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
        .until(check::holds);
  }
}
