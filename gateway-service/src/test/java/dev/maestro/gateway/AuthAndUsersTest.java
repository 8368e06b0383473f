package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.auth.Accounts;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthAndUsersTest {
  GatewayFixture fx;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture(new JsonObject().put(GatewaySettings.LOGIN_MAX_PER_USER, "3").put(GatewaySettings.LOGIN_MAX_PER_ADDRESS, "6"));
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void bootstrapAdminUsesTheConfiguredPasswordAndTokensAreShownOnce() {
    Resp r = fx.post("/api/v1/auth/token", null, new JsonObject().put("username", "admin").put("password", GatewayFixture.ADMIN_PASSWORD).put("name", "cli"));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getString("token")).startsWith("mst_");
    assertThat(r.json().getString("name")).isEqualTo("cli");
    Resp list = fx.get("/api/v1/auth/tokens", r.json().getString("token"));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().getJsonArray("items").encode()).contains(r.json().getString("id")).doesNotContain(r.json().getString("token"));
  }

  @Test
  void wrongPasswordIs401AndRepeatedFailuresAre429WithRetryAfter() {
    JsonObject user = fx.newUser(fx.adminToken(), "member");
    JsonObject bad = new JsonObject().put("username", user.getString("username")).put("password", "wrong-one").put("name", "x");
    for (int i = 0; i < 3; i++) {
      Resp r = fx.post("/api/v1/auth/token", null, bad);
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
    }
    Resp limited = fx.post("/api/v1/auth/token", null, bad);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
    // even the right password is refused while the user is locked
    Resp right = fx.post("/api/v1/auth/token", null, bad.copy().put("password", "password-" + user.getString("username")));
    assertThat(right.status()).isEqualTo(429);
  }

  @Test
  void loginIsLimitedPerAddressToo() {
    String address = "10.9." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250);
    var accounts = fx.gateways.get(0).webUiGateway();
    for (int i = 0; i < 6; i++) {
      Throwable err = catchFailure(accounts.login("nobody-" + UUID.randomUUID(), "x", address));
      assertThat(((ServiceException) err).failureCode()).isEqualTo(401);
    }
    Throwable limited = catchFailure(accounts.login("someone-else", "x", address));
    assertThat(((ServiceException) limited).failureCode()).isEqualTo(429);
    assertThat(((ServiceException) limited).getDebugInfo().getLong("retryAfter")).isPositive();
  }

  static Throwable catchFailure(io.vertx.core.Future<?> f) {
    try {
      f.await(10, java.util.concurrent.TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ServiceException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aRevokedTokenStopsWorkingAtOnce() {
    String admin = fx.adminToken();
    String t = fx.token("admin", GatewayFixture.ADMIN_PASSWORD);
    assertThat(fx.get("/api/v1/sessions", t).status()).isEqualTo(200);
    String id = fx.get("/api/v1/auth/tokens", t).json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(j -> j.getString("revokedAt") == null).map(j -> j.getString("id")).toList().get(0);
    // revoke the newest token (t) through another token
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/auth/tokens/" + id, admin, null).status()).isEqualTo(204);
    Resp after = fx.get("/api/v1/sessions", t);
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.header("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void anExpiredTokenIsRefusedAndExpiryMustBeInTheFuture() throws Exception {
    Resp past = fx.post("/api/v1/auth/token", null, new JsonObject().put("username", "admin").put("password", GatewayFixture.ADMIN_PASSWORD)
        .put("name", "old").put("expiresAt", Instant.now().minusSeconds(5).toString()));
    assertThat(past.status()).isEqualTo(400);
    assertThat(past.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("expiresAt");
    Resp soon = fx.post("/api/v1/auth/token", null, new JsonObject().put("username", "admin").put("password", GatewayFixture.ADMIN_PASSWORD)
        .put("name", "soon").put("expiresAt", Instant.now().plusMillis(1500).toString()));
    assertThat(soon.status()).isEqualTo(201);
    String t = soon.json().getString("token");
    assertThat(fx.get("/api/v1/sessions", t).status()).isEqualTo(200);
    int status = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> fx.get("/api/v1/sessions", t).status(), s -> s != 200);
    assertThat(status).isEqualTo(401);
  }

  @Test
  void withoutAConfiguredPasswordTheAdminGetsARandomOneInAnOwnerOnlyFile() throws Exception {
    try (GatewayFixture fresh = new GatewayFixture(new JsonObject().put(MaestroConfig.ADMIN_PASSWORD, ""))) {
      Path file = Path.of(fresh.config.getString(MaestroConfig.DATA_DIR)).resolve(Accounts.ADMIN_PASSWORD_FILE);
      assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      String password = Files.readString(file).trim();
      assertThat(password).hasSizeGreaterThanOrEqualTo(20);
      assertThat(fresh.token("admin", password)).startsWith("mst_");
      assertThat(fresh.post("/api/v1/auth/token", null, new JsonObject().put("username", "admin")
          .put("password", GatewayFixture.ADMIN_PASSWORD).put("name", "x")).status()).isEqualTo(401);
    } finally {
      // the shared schema was recreated by the fresh fixture: put this class's gateway back on a clean one
      fx.close();
      start();
    }
  }

  @Test
  void missingOrMalformedAuthIs401() {
    assertThat(fx.get("/api/v1/sessions", null).status()).isEqualTo(401);
    assertThat(fx.get("/api/v1/sessions", "mst_nope").status()).isEqualTo(401);
    MultiMap basic = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Basic YWRtaW46YWRtaW4=");
    assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, basic).status()).isEqualTo(401);
    assertThat(fx.get("/api/v1/sessions", null).header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void adminsManageUsersAndMembersMayNot() {
    String admin = fx.adminToken();
    JsonObject member = fx.newUser(admin, "member");
    assertThat(fx.get("/api/v1/users", member.getString("token")).status()).isEqualTo(403);
    assertThat(fx.post("/api/v1/users", member.getString("token"), new JsonObject().put("username", "evil").put("password", "12345678")).status())
        .isEqualTo(403);
    Resp list = fx.get("/api/v1/users?limit=200", admin);
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().getJsonArray("items").encode()).contains(member.getString("username")).doesNotContain("argon2");
    // duplicate username → 409
    assertThat(fx.post("/api/v1/users", admin, new JsonObject().put("username", member.getString("username"))
        .put("password", "violet-canyon-harbor-72")).status()).isEqualTo(409);
    // promote, then the member's existing token carries the new role at once
    Resp patched = fx.call(HttpMethod.PATCH, "/api/v1/users/" + member.getString("id"), admin, new JsonObject().put("role", "admin"));
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().getString("role")).isEqualTo("admin");
    assertThat(fx.get("/api/v1/users", member.getString("token")).status()).isEqualTo(200);
    // delete → the deleted user's token no longer works
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + member.getString("id"), admin, null).status()).isEqualTo(204);
    assertThat(fx.get("/api/v1/sessions", member.getString("token")).status()).isEqualTo(401);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + member.getString("id"), admin, null).status()).isEqualTo(404);
  }

  @Test
  void anAdminCannotDeleteOrDemoteThemself() {
    String admin = fx.adminToken();
    String adminId = fx.get("/api/v1/users?limit=200", admin).json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(u -> u.getString("username").equals("admin")).findFirst().orElseThrow().getString("id");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + adminId, admin, null).status()).isEqualTo(409);
    assertThat(fx.call(HttpMethod.PATCH, "/api/v1/users/" + adminId, admin, new JsonObject().put("role", "member")).status()).isEqualTo(409);
  }

  @Test
  void aMemberSeesOnlyTheirOwnResources() {
    String admin = fx.adminToken();
    JsonObject alice = fx.newUser(admin, "member");
    JsonObject bob = fx.newUser(admin, "member");
    String session = fx.newSession(alice.getString("token"));
    assertThat(fx.get("/api/v1/sessions/" + session, alice.getString("token")).status()).isEqualTo(200);
    assertThat(fx.get("/api/v1/sessions/" + session, bob.getString("token")).status()).isEqualTo(404);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + session, bob.getString("token"), null).status()).isEqualTo(404);
    assertThat(fx.get("/api/v1/sessions", bob.getString("token")).json().getJsonArray("items")).isEmpty();
    // tokens: bob cannot revoke alice's
    String aliceTokenId = fx.get("/api/v1/auth/tokens", alice.getString("token")).json().getJsonArray("items").getJsonObject(0).getString("id");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/auth/tokens/" + aliceTokenId, bob.getString("token"), null).status()).isEqualTo(404);
    assertThat(fx.get("/api/v1/sessions", alice.getString("token")).status()).isEqualTo(200);
    // credentials: models through somebody else's credential → 404
    String cred = fx.post("/api/v1/credentials", alice.getString("token"), new JsonObject().put("provider", "openai").put("label", "k")
        .put("apiKey", "sk-secret-123456")).json().getString("id");
    assertThat(fx.get("/api/v1/models?provider=openai&credentialId=" + cred, bob.getString("token")).status()).isEqualTo(404);
    assertThat(fx.get("/api/v1/models?provider=openai&credentialId=" + cred, alice.getString("token")).status()).isEqualTo(200);
    // the credential operations added for the web pages: another member's id is answered like a missing one
    assertThat(fx.get("/api/v1/credentials/" + cred, bob.getString("token")).status()).isEqualTo(404);
    assertThat(fx.post("/api/v1/credentials/" + cred + "/validate", bob.getString("token"), null).status()).isEqualTo(404);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/credentials/" + cred, bob.getString("token"), null).status()).isEqualTo(404);
    assertThat(fx.get("/api/v1/credentials/" + cred, alice.getString("token")).status()).isEqualTo(200);
  }

  @Test
  void cookieSessionsWorkAndStateChangesNeedTheCsrfToken() {
    JsonObject user = fx.newUser(fx.adminToken(), "member");
    JsonObject browser = fx.browserLogin(user.getString("username"), "password-" + user.getString("username"));
    MultiMap cookie = MultiMap.caseInsensitiveMultiMap().add("Cookie", browser.getString("cookie"));
    assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie).status()).isEqualTo(200);
    JsonObject spec = new JsonObject().put("provider", "openai").put("model", "m");
    assertThat(fx.call(fx.port(), HttpMethod.POST, "/api/v1/sessions", null, spec, cookie).status()).isEqualTo(403);
    MultiMap wrong = MultiMap.caseInsensitiveMultiMap().addAll(cookie).add("X-CSRF-Token", "nope");
    assertThat(fx.call(fx.port(), HttpMethod.POST, "/api/v1/sessions", null, spec, wrong).status()).isEqualTo(403);
    MultiMap ok = MultiMap.caseInsensitiveMultiMap().addAll(cookie).add("X-CSRF-Token", browser.getString("csrf"));
    assertThat(fx.call(fx.port(), HttpMethod.POST, "/api/v1/sessions", null, spec, ok).status()).isEqualTo(201);
    MultiMap crossSite = MultiMap.caseInsensitiveMultiMap().addAll(ok).add("Origin", "https://evil.example");
    assertThat(fx.call(fx.port(), HttpMethod.POST, "/api/v1/sessions", null, spec, crossSite).status()).isEqualTo(403);
  }

  @Test
  void webUiLoginChecksArgon2idHashes() {
    JsonObject user = fx.newUser(fx.adminToken(), "member");
    JsonObject principal = fx.gateways.get(0).webUiGateway()
        .login(user.getString("username"), "password-" + user.getString("username"), "10.1.2.3").await();
    assertThat(principal.getString("userId")).isEqualTo(user.getString("id"));
    assertThat(principal.getString("role")).isEqualTo("member");
    Throwable wrong = catchFailure(fx.gateways.get(0).webUiGateway().login(user.getString("username"), "nope", "10.1.2.3"));
    assertThat(((ServiceException) wrong).failureCode()).isEqualTo(401);
  }
}
