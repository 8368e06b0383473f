package dev.maestro.session;

import dev.maestro.contracts.budget.BudgetService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Budgets hold before the call: the worst case of each provider request is reserved atomically in
 * PostgreSQL before anything is sent; a request that does not fit ends its turn with budget_exceeded
 * and never reaches the provider; the end of a request settles to what it really cost.
 */
class BudgetEnforcementTest {
  static final int TURNS = 100;
  /** claude-haiku-4-5: $1 / $5 per million tokens; 20000 output tokens at most: ~$0.10 worst case per request. */
  static final String MODEL = "claude-haiku-4-5";
  static final int MAX_TOKENS = 20_000;
  static Harness h;
  static BudgetService budgets;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(new JsonObject().put(SessionSettings.MAX_TURNS_PER_USER, String.valueOf(TURNS + 10))
        .put(SessionSettings.MAX_LIVE_PER_USER, String.valueOf(TURNS + 10)));
    budgets = BudgetService.createProxy(h.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void reset() {
    h.provider.reset();
    h.provider.fallback = null;
  }

  private static JsonObject spec(Object budgetUsd) {
    JsonObject s = new JsonObject().put("model", MODEL).put("tools", new JsonArray())
        .put("params", new JsonObject().put("maxTokens", MAX_TOKENS));
    if (budgetUsd != null) s.put("budgetUsd", budgetUsd);
    return s;
  }

  @Test
  void hundredConcurrentTurnsAgainstOneDollarNeverSpendMoreAndTheRefusedNeverReachTheProvider() throws Exception {
    String user = Harness.newUser();
    await(budgets.setUserBudget(user, new JsonObject().put("monthlyUsd", 1.00)));
    // every admitted request uses its whole output allowance and stays in flight until released
    h.provider.fallback = request -> List.of(text("ok"), usage(10, MAX_TOKENS), hold("budget-100"), done("end_turn"));
    List<Future<JsonObject>> created = new ArrayList<>();
    for (int i = 0; i < TURNS; i++) created.add(h.sessions.create(user, spec(null).put("provider", "anthropic")));
    await(Future.all(created));
    List<String> ids = new ArrayList<>();
    List<Harness.Recorder> recs = new ArrayList<>();
    for (Future<JsonObject> f : created) {
      ids.add(f.result().getString("id"));
      recs.add(h.record(f.result().getString("id")));
    }
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (String id : ids) sends.add(h.sessions.send(user, id, "hi"));
    await(Future.all(sends));

    // while the admitted ones are in flight, the others are refused: $0.10 worst case each, 9 fit in $1.00
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() ->
        recs.stream().filter(r -> !r.ofType("turn_error").isEmpty()).count() == TURNS - 9 && h.provider.requests.size() == 9);
    for (Harness.Recorder r : recs) {
      for (JsonObject e : r.ofType("turn_error")) {
        assertThat(e.getJsonObject("event").getString("code")).isEqualTo("budget_exceeded");
        assertThat(e.getJsonObject("event").getString("message")).contains("Your monthly budget").contains("remain")
            .contains("of $1.0000");
      }
    }
    JsonObject inFlight = await(budgets.getUserBudget(user));
    assertThat(inFlight.getDouble("spentUsd") + inFlight.getDouble("reservedUsd")).isLessThanOrEqualTo(1.00);

    h.provider.release("budget-100");
    for (Harness.Recorder r : recs) r.awaitTurnCompleted(1);
    JsonObject after = await(budgets.getUserBudget(user));
    // 9 × (10 input tokens × $1/M + 20000 output × $5/M)
    assertThat(after.getDouble("spentUsd")).isCloseTo(9 * 0.10001, within(1e-9)).isLessThanOrEqualTo(1.00);
    assertThat(after.getDouble("reservedUsd")).isZero();
    assertThat(after.getDouble("remainingUsd")).isCloseTo(1.00 - 9 * 0.10001, within(1e-9));
    // the provider saw exactly the admitted requests: no refused turn was ever sent
    assertThat(h.provider.requests).hasSize(9);
    JsonObject usage = await(budgets.usage(new JsonObject().put("userId", user).put("groupBy", "model")));
    assertThat(usage.getJsonArray("items")).hasSize(1);
    assertThat(usage.getJsonArray("items").getJsonObject(0).getLong("requests")).isEqualTo(9L);
    assertThat(usage.getJsonObject("total").getDouble("costUsd")).isCloseTo(after.getDouble("spentUsd"), within(1e-9));
  }

  @Test
  void settlingReleasesTheDifferenceSoASessionBudgetServesManyCheapTurns() throws Exception {
    String user = Harness.newUser();
    // $0.25 holds two ~$0.10 worst cases at once; cheap answers give the rest back each time
    JsonObject s = h.newSession(user, spec(0.25));
    assertThat(s.getDouble("budgetUsd")).isEqualTo(0.25);
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.fallback = request -> List.of(text("cheap"), usage(10, 100), done("end_turn"));
    for (int i = 1; i <= 5; i++) {
      await(h.sessions.send(user, id, "turn " + i));
      JsonObject done = rec.awaitTurnCompleted(i);
      assertThat(done.getJsonObject("event").getString("status")).isEqualTo("complete");
    }
    assertThat(h.provider.requests).hasSize(5);
    JsonObject b = await(budgets.getUserBudget(user));
    assertThat(b.getDouble("reservedUsd")).isZero();
    // 5 × (10 × $1/M + 100 × $5/M)
    assertThat(b.getDouble("spentUsd")).isCloseTo(5 * 0.00051, within(1e-9));
    assertThat(b.getValue("monthlyUsd")).isNull();
  }

  @Test
  void aFailedRequestReleasesEverythingAndAddsNoUsage() throws Exception {
    String user = Harness.newUser();
    await(budgets.setUserBudget(user, new JsonObject().put("monthlyUsd", 0.15)));
    String id = h.newSession(user, spec(null)).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(error("bad_request", "nope"));
    await(h.sessions.send(user, id, "fails"));
    rec.awaitTurnCompleted(1);
    JsonObject b = await(budgets.getUserBudget(user));
    assertThat(b.getDouble("reservedUsd")).isZero();
    assertThat(b.getDouble("spentUsd")).isZero();
    assertThat(b.getDouble("remainingUsd")).isEqualTo(0.15);
    assertThat(await(budgets.usage(new JsonObject().put("userId", user))).getJsonArray("items")).isEmpty();
  }

  @Test
  void aSessionBudgetTooSmallForOneRequestRefusesBeforeTheProviderAndPatchingItLetsTheTurnRun() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, spec(0.05));
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    await(h.sessions.send(user, id, "too dear"));
    JsonObject done = rec.awaitTurnCompleted(1);
    assertThat(done.getJsonObject("event").getString("status")).isEqualTo("error");
    JsonObject err = rec.ofType("turn_error").get(0).getJsonObject("event");
    assertThat(err.getString("code")).isEqualTo("budget_exceeded");
    assertThat(err.getString("message")).startsWith("This session's budget does not cover this request: $0.0500 of $0.0500 remain");
    assertThat(rec.types()).doesNotContain("message_started");
    assertThat(h.provider.requests).isEmpty();

    JsonObject patched = await(h.sessions.update(user, id, new JsonObject().put("budgetUsd", 1.0)));
    assertThat(patched.getDouble("budgetUsd")).isEqualTo(1.0);
    assertThat(patched.getJsonObject("params").getInteger("maxTokens")).isEqualTo(MAX_TOKENS);
    await(h.sessions.send(user, id, "now it fits"));
    assertThat(rec.awaitTurnCompleted(2).getJsonObject("event").getString("status")).isEqualTo("complete");
    assertThat(h.provider.requests).hasSize(1);
  }

  @Test
  void aModelWithoutAPriceIsRefusedUnderABudgetAndCountedUnpricedWithout() throws Exception {
    String user = Harness.newUser();
    JsonObject unpriced = spec(null).put("model", "local-llama-unknown");
    String free = h.newSession(user, unpriced).getString("id");
    Harness.Recorder freeRec = h.record(free);
    await(h.sessions.send(user, free, "no budget"));
    assertThat(freeRec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("complete");
    JsonObject byModel = await(budgets.usage(new JsonObject().put("userId", user).put("groupBy", "model")));
    assertThat(byModel.getJsonArray("items").getJsonObject(0).getLong("unpricedRequests")).isEqualTo(1L);
    assertThat(byModel.getJsonArray("items").getJsonObject(0).getString("model")).isEqualTo("local-llama-unknown");

    String budgeted = h.newSession(user, unpriced.copy().put("budgetUsd", 10)).getString("id");
    Harness.Recorder rec = h.record(budgeted);
    int before = h.provider.requests.size();
    await(h.sessions.send(user, budgeted, "with a budget"));
    rec.awaitTurnCompleted(1);
    JsonObject err = rec.ofType("turn_error").get(0).getJsonObject("event");
    assertThat(err.getString("code")).isEqualTo("unpriced_model");
    assertThat(err.getString("message")).contains("local-llama-unknown").contains("no price");
    assertThat(h.provider.requests).hasSize(before);
  }

  @Test
  void usageGroupsByUserModelAndDayAndFiltersByUser() throws Exception {
    String alice = Harness.newUser();
    String bob = Harness.newUser();
    h.provider.fallback = request -> List.of(text("x"), usage(1000, 100), done("end_turn"));
    for (String[] run : new String[][] {{alice, "claude-haiku-4-5"}, {alice, "claude-sonnet-4-5"}, {bob, "claude-haiku-4-5"}}) {
      String id = h.newSession(run[0], spec(null).put("model", run[1])).getString("id");
      Harness.Recorder rec = h.record(id);
      await(h.sessions.send(run[0], id, "hello"));
      rec.awaitTurnCompleted(1);
    }
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    JsonObject byUser = await(budgets.usage(new JsonObject().put("groupBy", "user").put("from", today).put("to", today)));
    JsonObject a = find(byUser, "userId", alice);
    JsonObject b = find(byUser, "userId", bob);
    // haiku: 1000 × $1/M + 100 × $5/M = $0.0015; sonnet: 1000 × $3/M + 100 × $15/M = $0.0045
    assertThat(a.getLong("requests")).isEqualTo(2L);
    assertThat(a.getDouble("costUsd")).isCloseTo(0.006, within(1e-9));
    assertThat(b.getDouble("costUsd")).isCloseTo(0.0015, within(1e-9));

    JsonObject aliceByModel = await(budgets.usage(new JsonObject().put("groupBy", "model").put("userId", alice)));
    assertThat(aliceByModel.getJsonArray("items")).hasSize(2);
    assertThat(find(aliceByModel, "model", "claude-sonnet-4-5").getLong("inputTokens")).isEqualTo(1000L);
    assertThat(aliceByModel.getJsonObject("total").getLong("outputTokens")).isEqualTo(200L);

    JsonObject aliceByDay = await(budgets.usage(new JsonObject().put("groupBy", "day").put("userId", alice)));
    assertThat(aliceByDay.getJsonArray("items")).hasSize(1);
    assertThat(aliceByDay.getJsonArray("items").getJsonObject(0).getString("day")).isEqualTo(today);
    JsonObject yesterday = await(budgets.usage(new JsonObject().put("groupBy", "day").put("userId", alice)
        .put("from", LocalDate.parse(today).minusDays(3).toString()).put("to", LocalDate.parse(today).minusDays(1).toString())));
    assertThat(yesterday.getJsonArray("items")).isEmpty();
  }

  private static JsonObject find(JsonObject usage, String key, String value) {
    for (Object o : usage.getJsonArray("items")) {
      if (o instanceof JsonObject j && value.equals(j.getString(key))) return j;
    }
    throw new AssertionError("no item with " + key + "=" + value + " in " + usage.encode());
  }
}
