package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Budgets and usage through the front door: an admin sets monthly budgets and sees everyone's usage;
 * a member reads only their own budget and usage, another user's id answers 404 like a missing one,
 * and bad input is a problem+json 400, never a 5xx.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetApiTest {
  GatewayFixture fx;
  String admin;
  JsonObject alice;
  JsonObject bob;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    admin = fx.adminToken();
    alice = fx.newUser(admin, "member");
    bob = fx.newUser(admin, "member");
    fx.budgets.record(alice.getString("id"), "anthropic", "claude-haiku-4-5", null, 3, 0.25)
        .record(alice.getString("id"), "openai", "gpt-4o-mini", null, 1, 0.01)
        .record(bob.getString("id"), "anthropic", "claude-haiku-4-5", null, 7, 2.5);
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  private Resp put(String path, String token, Object body) {
    return fx.call(HttpMethod.PUT, path, token, body);
  }

  private static void assertProblem(Resp r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("dev.maestro");
  }

  @Test
  void anAdminSetsAMonthlyBudgetTheMemberReadsItAndNobodyElseDoes() {
    String path = "/api/v1/users/" + alice.getString("id") + "/budget";
    Resp set = put(path, admin, new JsonObject().put("monthlyUsd", 5));
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.json().getDouble("monthlyUsd")).isEqualTo(5.0);
    Resp own = fx.get(path, alice.getString("token"));
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.json().getDouble("monthlyUsd")).isEqualTo(5.0);
    assertThat(own.json().getDouble("remainingUsd")).isEqualTo(5.0 - 0.26, org.assertj.core.api.Assertions.within(1e-9));

    // a member cannot read another's budget (404, as if missing) nor set any (403)
    assertProblem(fx.get(path, bob.getString("token")), 404);
    assertProblem(put(path, alice.getString("token"), new JsonObject().put("monthlyUsd", 500)), 403);
    assertThat(fx.budgets.budgets.get(alice.getString("id"))).isEqualTo(5.0);
    // null removes the limit
    Resp removed = put(path, admin, new JsonObject().putNull("monthlyUsd"));
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.json().getValue("monthlyUsd")).isNull();
  }

  @Test
  void hostileIdsAndBadBudgetsAreProblemsNotFailures() {
    assertProblem(put("/api/v1/users/" + UUID.randomUUID() + "/budget", admin, new JsonObject().put("monthlyUsd", 1)), 404);
    assertProblem(fx.get("/api/v1/users/not-a-uuid/budget", admin), 404);
    assertProblem(fx.get("/api/v1/users/%2e%2e%2fadmin/budget", alice.getString("token")), 404);
    String path = "/api/v1/users/" + bob.getString("id") + "/budget";
    for (Object bad : new Object[] {"5", -1, 1e12, new JsonObject()}) {
      assertProblem(put(path, admin, new JsonObject().put("monthlyUsd", bad)), 400);
    }
    assertProblem(put(path, admin, new JsonObject()), 400);
    assertProblem(put(path, admin, new JsonObject().put("monthlyUsd", 1).put("extra", true)), 400);
    assertProblem(fx.call(HttpMethod.POST, "/api/v1/sessions", alice.getString("token"),
        new JsonObject().put("provider", "openai").put("model", "m").put("budgetUsd", -3)), 400);
    assertProblem(fx.call(HttpMethod.PATCH, "/api/v1/sessions/" + UUID.randomUUID(), alice.getString("token"),
        new JsonObject().put("budgetUsd", "lots")), 400);
  }

  @Test
  void aMemberSeesOnlyTheirOwnUsageWhateverTheyAskFor() {
    String token = alice.getString("token");
    Resp byUser = fx.get("/api/v1/usage?groupBy=user", token);
    assertThat(byUser.status()).as(byUser.body()).isEqualTo(200);
    JsonArray items = byUser.json().getJsonArray("items");
    assertThat(items).hasSize(1);
    assertThat(items.getJsonObject(0).getString("userId")).isEqualTo(alice.getString("id"));
    assertThat(items.getJsonObject(0).getString("username")).isEqualTo(alice.getString("username"));
    assertThat(items.getJsonObject(0).getLong("requests")).isEqualTo(4L);
    assertThat(fx.budgets.queries.get(fx.budgets.queries.size() - 1).getString("userId")).isEqualTo(alice.getString("id"));

    Resp byModel = fx.get("/api/v1/usage?groupBy=model&userId=" + alice.getString("id"), token);
    assertThat(byModel.json().getJsonArray("items")).hasSize(2);
    assertThat(byModel.json().getJsonObject("total").getDouble("costUsd")).isEqualTo(0.26, org.assertj.core.api.Assertions.within(1e-9));

    // another member's id, an unknown id, a malformed one: all "no such user"
    int asked = fx.budgets.queries.size();
    assertProblem(fx.get("/api/v1/usage?userId=" + bob.getString("id"), token), 404);
    assertProblem(fx.get("/api/v1/usage?userId=" + UUID.randomUUID(), token), 404);
    assertProblem(fx.get("/api/v1/usage?userId=%27%20OR%201=1", token), 404);
    // nothing of bob's was ever asked of the budget service on alice's behalf
    assertThat(fx.budgets.queries.subList(asked, fx.budgets.queries.size())).isEmpty();
  }

  @Test
  void anAdminSeesEveryUserAndFiltersByOne() {
    Resp all = fx.get("/api/v1/usage?groupBy=user", admin);
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.json().getJsonArray("items")).extracting(o -> ((JsonObject) o).getString("username"))
        .contains(alice.getString("username"), bob.getString("username"));
    Resp one = fx.get("/api/v1/usage?groupBy=day&userId=" + bob.getString("id"), admin);
    assertThat(one.json().getJsonObject("total").getLong("requests")).isEqualTo(7L);
    assertProblem(fx.get("/api/v1/usage?userId=" + UUID.randomUUID(), admin), 404);
  }

  @Test
  void badQueriesAreFieldProblems() {
    String token = alice.getString("token");
    Resp r = fx.get("/api/v1/usage?groupBy=tenant&from=yesterday", token);
    assertProblem(r, 400);
    assertThat(r.json().getJsonArray("errors").encode()).contains("groupBy").contains("from");
    assertProblem(fx.get("/api/v1/usage?to=2026-13-45", token), 400);
  }

  /** Signs in through the login form → {cookie, csrf}. */
  private String[] browserLogin(String username, String password) {
    var r = fx.client.post(fx.port(), "127.0.0.1", "/login").sendForm(io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        .add("username", username).add("password", password)).await();
    assertThat(r.statusCode()).isEqualTo(303);
    String cookie = r.cookies().stream().filter(c -> c.startsWith("maestro_session=")).map(c -> c.substring(0, c.indexOf(';')))
        .findFirst().orElseThrow();
    String html = fx.client.get(fx.port(), "127.0.0.1", "/usage").putHeader("Cookie", cookie).send().await().bodyAsString();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).isTrue();
    return new String[] {cookie, m.group(1)};
  }

  private String page(String cookie, String path) {
    var r = fx.client.get(fx.port(), "127.0.0.1", path).putHeader("Cookie", cookie).send().await();
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.bodyAsString();
  }

  @Test
  void theUsagePageShowsAMemberTheirOwnTableAndAnAdminSetsBudgetsThere() {
    String[] a = browserLogin(alice.getString("username"), "password-" + alice.getString("username"));
    String html = page(a[0], "/usage?groupBy=model");
    assertThat(html).contains("id=\"usage-table\"").contains("anthropic / claude-haiku-4-5").contains("openai / gpt-4o-mini")
        .contains("$0.2600").doesNotContain("$2.5000").doesNotContain("id=\"set-budget\"");
    // asking for every user's rows still shows only hers
    assertThat(page(a[0], "/usage?groupBy=user")).contains(alice.getString("username")).doesNotContain(bob.getString("username"));

    String[] adm = browserLogin("admin", GatewayFixture.ADMIN_PASSWORD);
    assertThat(page(adm[0], "/usage?groupBy=user")).contains(bob.getString("username")).contains("$2.5000").contains("id=\"set-budget\"");
    var set = fx.client.post(fx.port(), "127.0.0.1", "/usage/budget").putHeader("Cookie", adm[0])
        .sendForm(io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("_csrf", adm[1]).add("userId", bob.getString("id"))
            .add("monthlyUsd", "12.5")).await();
    assertThat(set.statusCode()).isEqualTo(303);
    assertThat(fx.budgets.budgets.get(bob.getString("id"))).isEqualTo(12.5);
    // the member's own form post is refused by the operation itself
    var refused = fx.client.post(fx.port(), "127.0.0.1", "/usage/budget").putHeader("Cookie", a[0])
        .sendForm(io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("_csrf", a[1]).add("userId", alice.getString("id"))
            .add("monthlyUsd", "1000")).await();
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(fx.budgets.budgets).doesNotContainEntry(alice.getString("id"), 1000.0);
  }
}
