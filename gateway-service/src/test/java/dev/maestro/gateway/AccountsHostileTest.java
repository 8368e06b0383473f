package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.GatewayFixture.Ws;
import dev.maestro.gateway.auth.Accounts;
import dev.maestro.gateway.auth.PasswordPolicy;
import dev.maestro.gateway.ws.CloseCodes;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile account tests (issue 13, point 5): the login limit cannot be raced, an anonymous
 * attacker cannot lock the owner out, weak passwords and case-twin usernames are refused, and a
 * password change ends every token, browser session and socket of the user.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountsHostileTest {
  static final int PER_USER = 3;
  GatewayFixture fx;
  String admin;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture(new JsonObject().put(GatewaySettings.LOGIN_MAX_PER_USER, String.valueOf(PER_USER))
        .put(GatewaySettings.LOGIN_MAX_PER_ADDRESS, "1000"));
    admin = fx.adminToken();
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  Accounts accounts() {
    return fx.gateways.get(0).webUiGateway();
  }

  static String address() {
    return "10." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250);
  }

  static int code(Future<?> f) {
    try {
      f.await(30, TimeUnit.SECONDS);
      return 200;
    } catch (ServiceException e) {
      return e.failureCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void fiftyParallelWrongLoginsReachTheHasherAtMostLimitTimes() {
    JsonObject user = fx.newUser(admin, "member");
    String from = address();
    long before = accounts().hasher().derivations();
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) all.add(accounts().login(user.getString("username"), "wrong-guess-" + i, from));
    int unauthorized = 0, limited = 0;
    for (Future<JsonObject> f : all) {
      int c = code(f);
      if (c == 401) unauthorized++;
      else if (c == 429) limited++;
      else throw new AssertionError("unexpected " + c);
    }
    long hashed = accounts().hasher().derivations() - before;
    System.out.println("parallel wrong logins: 401=" + unauthorized + " 429=" + limited + " Argon2 runs=" + hashed);
    assertThat(unauthorized).isEqualTo(PER_USER);
    assertThat(limited).isEqualTo(50 - PER_USER);
    assertThat(hashed).as("Argon2 runs for 50 parallel guesses").isLessThanOrEqualTo(PER_USER);
  }

  @Test
  void fiftyParallelWrongLoginsOverHttpGetAtMostLimit401s() throws Exception {
    JsonObject user = fx.newUser(admin, "member");
    WebClient wide = WebClient.create(fx.vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(fx.port()),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(60));
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(wide.post("/api/v1/auth/token").sendJson(new JsonObject().put("username", user.getString("username"))
          .put("password", "wrong-guess-" + i).put("name", "x")));
    }
    int unauthorized = 0, limited = 0;
    for (Future<HttpResponse<Buffer>> f : all) {
      int s = f.await(30, TimeUnit.SECONDS).statusCode();
      if (s == 401) unauthorized++;
      if (s == 429) limited++;
      if (s != 401 && s != 429) System.out.println("unexpected " + s + " " + f.result().bodyAsString());
    }
    wide.close();
    assertThat(unauthorized).isEqualTo(PER_USER);
    assertThat(limited).isEqualTo(50 - PER_USER);
  }

  @Test
  void tenAnonymousFailuresFromOneAddressDoNotLockTheOwnerOutFromAnother() throws Exception {
    JsonObject user = fx.newUser(admin, "member");
    String name = user.getString("username");
    String attacker = address();
    for (int i = 0; i < 10; i++) code(accounts().login(name, "guess-" + i, attacker));
    assertThat(code(accounts().login(name, "password-" + name, attacker))).as("the attacker's address is locked for this name").isEqualTo(429);
    // the owner, elsewhere, signs in at once: no lock on the username alone
    JsonObject principal = accounts().login(name, "password-" + name, address()).await(10, TimeUnit.SECONDS);
    assertThat(principal.getString("userId")).isEqualTo(user.getString("id"));
    // and over HTTP from this test's own address
    assertThat(fx.token(name, "password-" + name)).startsWith("mst_");
  }

  @Test
  void weakPasswordsAreRefusedWithA400NamingTheRule() {
    String name = "weak" + UUID.randomUUID().toString().substring(0, 8);
    for (String weak : List.of("12345678", "password", "short-pw-11", "password1234", "123456789012", "qwertyuiopasdf",
        "aaaaaaaaaaaaaaaa", "iloveyou1234", name + name)) {
      Resp r = fx.post("/api/v1/users", admin, new JsonObject().put("username", name).put("password", weak));
      assertThat(r.status()).as(weak + ": " + r.body()).isEqualTo(400);
      assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
      assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("password");
      assertThat(r.body()).doesNotContain("Exception").doesNotContain("dev.maestro");
    }
    Resp tooShort = fx.post("/api/v1/users", admin, new JsonObject().put("username", name).put("password", "Xy7#kq2!Lm"));
    assertThat(tooShort.status()).isEqualTo(400);
    Resp common = fx.post("/api/v1/users", admin, new JsonObject().put("username", name).put("password", "password1234"));
    assertThat(common.json().getJsonArray("errors").getJsonObject(0).getString("message")).containsAnyOf("common", "guess");
    // a strong one is fine; then a password change to a weak one is refused and the old one still works
    Resp ok = fx.post("/api/v1/users", admin, new JsonObject().put("username", name).put("password", "violet-canyon-harbor-72"));
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    Resp weakChange = fx.call(HttpMethod.PATCH, "/api/v1/users/" + ok.json().getString("id"), admin, new JsonObject().put("password", "password"));
    assertThat(weakChange.status()).isEqualTo(400);
    Resp weakChange12 = fx.call(HttpMethod.PATCH, "/api/v1/users/" + ok.json().getString("id"), admin,
        new JsonObject().put("password", "qwerty123456"));
    assertThat(weakChange12.status()).as(weakChange12.body()).isEqualTo(400);
    assertThat(weakChange12.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("password");
    assertThat(fx.token(name, "violet-canyon-harbor-72")).startsWith("mst_");
  }

  @Test
  void theGeneratedBootstrapPasswordSatisfiesThePolicy() {
    for (int i = 0; i < 200; i++) {
      String p = Accounts.randomPassword();
      assertThat(PasswordPolicy.problem("admin", p)).as(p).isNull();
    }
  }

  @Test
  void usernamesAreUniqueWhateverTheCaseAndLoginTakesAnyCase() throws Exception {
    String base = "Case" + UUID.randomUUID().toString().substring(0, 8);
    Resp first = fx.post("/api/v1/users", admin, new JsonObject().put("username", base).put("password", "violet-canyon-harbor-72"));
    assertThat(first.status()).isEqualTo(201);
    Resp twin = fx.post("/api/v1/users", admin, new JsonObject().put("username", base.toLowerCase()).put("password", "violet-canyon-harbor-73"));
    assertThat(twin.status()).as(twin.body()).isEqualTo(409);
    assertThat(twin.header("Content-Type")).isEqualTo("application/problem+json");
    Resp upper = fx.post("/api/v1/users", admin, new JsonObject().put("username", base.toUpperCase()).put("password", "violet-canyon-harbor-74"));
    assertThat(upper.status()).isEqualTo(409);
    // renaming somebody else to a case twin is a conflict too
    JsonObject other = fx.newUser(admin, "member");
    Resp rename = fx.call(HttpMethod.PATCH, "/api/v1/users/" + other.getString("id"), admin, new JsonObject().put("username", base.toLowerCase()));
    assertThat(rename.status()).isEqualTo(409);
    // login with any case reaches the one user
    JsonObject p = accounts().login(base.toLowerCase(), "violet-canyon-harbor-72", address()).await(10, TimeUnit.SECONDS);
    assertThat(p.getString("userId")).isEqualTo(first.json().getString("id"));
    assertThat(p.getString("username")).isEqualTo(base);
  }

  @Test
  void aPasswordResetEndsTheUsersTokensBrowserSessionsAndSockets() throws Exception {
    JsonObject user = fx.newUser(admin, "member");
    String name = user.getString("username");
    String token1 = user.getString("token");
    String token2 = fx.token(name, "password-" + name);
    JsonObject browser = fx.browserLogin(name, "password-" + name);
    MultiMap cookie = MultiMap.caseInsensitiveMultiMap().add("Cookie", browser.getString("cookie"));
    assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie).status()).isEqualTo(200);
    Ws tokenSocket = fx.ws(token1);
    Ws browserSocket = fx.ws(fx.port(), null, cookie, null);
    tokenSocket.send(new JsonObject().put("type", "ping"));
    tokenSocket.next("pong");
    browserSocket.send(new JsonObject().put("type", "ping"));
    browserSocket.next("pong");
    // somebody else's things stay
    JsonObject bystander = fx.newUser(admin, "member");
    Ws bystanderSocket = fx.ws(bystander.getString("token"));

    Resp reset = fx.call(HttpMethod.PATCH, "/api/v1/users/" + user.getString("id"), admin, new JsonObject().put("password", "granite-meadow-lantern-19"));
    assertThat(reset.status()).as(reset.body()).isEqualTo(200);

    assertThat(fx.get("/api/v1/sessions", token1).status()).isEqualTo(401);
    assertThat(fx.get("/api/v1/sessions", token2).status()).isEqualTo(401);
    assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie).status()).isEqualTo(401);
    Resp page = fx.call(fx.port(), HttpMethod.GET, "/sessions", null, null, cookie);
    assertThat(page.status()).isBetween(300, 399);
    assertThat(page.header("Location")).isEqualTo("/login");
    assertThat(tokenSocket.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.REVOKED);
    assertThat(browserSocket.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.REVOKED);
    bystanderSocket.send(new JsonObject().put("type", "ping"));
    assertThat(bystanderSocket.next("pong")).isNotNull();
    assertThat(fx.get("/api/v1/sessions", bystander.getString("token")).status()).isEqualTo(200);
    // the tokens are listed as revoked; the old password is gone, the new one works, a new browser session works
    String fresh = fx.token(name, "granite-meadow-lantern-19");
    assertThat(fx.get("/api/v1/auth/tokens", fresh).json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("revokedAt") != null).count()).isEqualTo(2);
    assertThat(code(accounts().login(name, "password-" + name, address()))).isEqualTo(401);
    JsonObject again = fx.browserLogin(name, "granite-meadow-lantern-19");
    MultiMap cookie2 = MultiMap.caseInsensitiveMultiMap().add("Cookie", again.getString("cookie"));
    assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie2).status()).isEqualTo(200);
    // a role change alone revokes nothing
    assertThat(fx.call(HttpMethod.PATCH, "/api/v1/users/" + user.getString("id"), admin, new JsonObject().put("role", "admin")).status())
        .isEqualTo(200);
    assertThat(fx.get("/api/v1/sessions", fresh).status()).isEqualTo(200);
    assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie2).status()).isEqualTo(200);
  }

  @Test
  void anOAuthCallbackCompletesOnlyInTheStartersBrowser() {
    JsonObject client = fx.post("/api/v1/oauth-clients", admin, new JsonObject().put("provider", "anthropic").put("name", "c")
        .put("authorizeUrl", "https://a.example/authorize").put("tokenUrl", "https://a.example/token").put("clientId", "cid")).json();
    JsonObject attacker = fx.newUser(admin, "member");
    JsonObject victim = fx.newUser(admin, "member");
    String state = fx.post("/api/v1/credentials/oauth/anthropic/start", attacker.getString("token"),
        new JsonObject().put("label", "mine").put("oauthClientId", client.getString("id"))).json().getString("state");
    // the attacker sends the link; the provider sends the victim's browser back with the victim's code
    MultiMap victimBrowser = MultiMap.caseInsensitiveMultiMap().add("Cookie",
        fx.browserLogin(victim.getString("username"), "password-" + victim.getString("username")).getString("cookie"));
    Resp refused = fx.call(fx.port(), HttpMethod.GET, "/oauth/callback?code=victims-code&state=" + state, null, null, victimBrowser);
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(refused.json().getString("detail")).contains("another Maestro user");
    assertThat(fx.auth.completedBy).contains(victim.getString("id"));
    // nothing landed on either account, and the flow is cancelled: the attacker cannot finish it either
    assertThat(fx.get("/api/v1/credentials", attacker.getString("token")).json().getJsonArray("items")).isEmpty();
    assertThat(fx.get("/api/v1/credentials", victim.getString("token")).json().getJsonArray("items")).isEmpty();
    MultiMap attackerBrowser = MultiMap.caseInsensitiveMultiMap().add("Cookie",
        fx.browserLogin(attacker.getString("username"), "password-" + attacker.getString("username")).getString("cookie"));
    Resp late = fx.call(fx.port(), HttpMethod.GET, "/oauth/callback?code=victims-code&state=" + state, null, null, attackerBrowser);
    assertThat(late.header("Location")).startsWith("/credentials?error=");
    assertThat(fx.get("/api/v1/credentials", attacker.getString("token")).json().getJsonArray("items")).isEmpty();
    // without a signed-in browser the callback completes nothing
    int calls = fx.auth.completedBy.size();
    Resp anonymous = fx.get("/oauth/callback?code=x&state=" + state, null);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(fx.auth.completedBy).hasSize(calls);
  }

  @Test
  void theCallbacksIssParameterTravelsToAuthServiceAndABrokenOneIsRefusedAtTheDoor() {
    JsonObject client = fx.post("/api/v1/oauth-clients", admin, new JsonObject().put("provider", "anthropic").put("name", "c-iss")
        .put("authorizeUrl", "https://a.example/authorize").put("tokenUrl", "https://a.example/token").put("clientId", "cid")).json();
    JsonObject member = fx.newUser(admin, "member");
    String state = fx.post("/api/v1/credentials/oauth/anthropic/start", member.getString("token"),
        new JsonObject().put("label", "iss").put("oauthClientId", client.getString("id"))).json().getString("state");
    MultiMap browser = MultiMap.caseInsensitiveMultiMap().add("Cookie",
        fx.browserLogin(member.getString("username"), "password-" + member.getString("username")).getString("cookie"));
    int before = fx.auth.callbacks.size();
    // a control character in iss: refused by the gateway, auth-service never sees the callback
    Resp bad = fx.call(fx.port(), HttpMethod.GET, "/oauth/callback?code=c&state=" + state + "&iss=https%3A%2F%2Fa.example%00", null, null, browser);
    assertThat(bad.header("Location")).startsWith("/credentials?error=");
    assertThat(fx.auth.callbacks).hasSize(before);
    Resp ok = fx.call(fx.port(), HttpMethod.GET, "/oauth/callback?code=c&state=" + state + "&iss=https%3A%2F%2Fa.example", null, null, browser);
    assertThat(ok.header("Location")).as(ok.body()).startsWith("/credentials?connected=");
    assertThat(fx.auth.callbacks.get(fx.auth.callbacks.size() - 1))
        .isEqualTo(new JsonObject().put("state", state).put("code", "c").put("iss", "https://a.example"));
  }
}
