package dev.maestro.session;

import dev.maestro.contracts.budget.BudgetService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Issue 14: a request reserves only where a budget applies ({@link BudgetLedger#reserveWhereLimited}). A turn of a
 * user with no monthly budget in a top-level session with none holds nothing (no reservation transaction, no
 * reservation row) yet its cost still reaches the user's month, the session's account and the usage; a budget
 * set between two turns (user or session) is enforced from the next request on; a sub-agent's request always
 * reserves (its ancestors' budgets are not in its row).
 */
class BudgetWhereLimitedTest {
  /** claude-haiku-4-5: $1 / $5 per million tokens; 20000 output tokens at most: ~$0.10 worst case per request. */
  static final String MODEL = "claude-haiku-4-5";
  static final int MAX_TOKENS = 20_000;
  static Harness h;
  static BudgetService budgets;
  static Pool outside;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(null);
    budgets = BudgetService.createProxy(h.vertx);
    outside = h.outsidePool();
  }

  @AfterAll
  static void stop() throws Exception {
    outside.close().await(10, TimeUnit.SECONDS);
    h.close();
  }

  @BeforeEach
  void reset() {
    h.provider.reset();
    h.provider.fallback = null;
  }

  static BudgetLedger ledger() {
    return h.verticle.router().store().budgetLedger();
  }

  private static JsonObject spec(Object budgetUsd) {
    JsonObject s = new JsonObject().put("model", MODEL).put("tools", new JsonArray())
        .put("params", new JsonObject().put("maxTokens", MAX_TOKENS));
    if (budgetUsd != null) s.put("budgetUsd", budgetUsd);
    return s;
  }

  static List<Row> rows(String sql, Object... args) throws Exception {
    List<Row> out = new ArrayList<>();
    outside.preparedQuery(sql).execute(Tuple.from(args)).await(10, TimeUnit.SECONDS).forEach(out::add);
    return out;
  }

  static long reservationsOf(String user) throws Exception {
    return rows("SELECT count(*) FROM session.budget_reservation WHERE user_account = $1",
        BudgetLedger.userAccount(user, ledger().month())).get(0).getLong(0);
  }

  static long spent(String account) throws Exception {
    List<Row> r = rows("SELECT spent_micros FROM session.budget_account WHERE account = $1", account);
    return r.isEmpty() ? -1 : r.get(0).getLong(0);
  }

  @Test
  void aTurnWithoutAnyBudgetHoldsNothingYetItsCostIsCounted() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, spec(null)).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.fallback = request -> List.of(text("ok"), usage(10, 100), hold("unlimited"), done("end_turn"));
    String ua = BudgetLedger.userAccount(user, ledger().month());
    await(h.sessions.send(user, id, "hi"));
    // in flight: the request was sent without any ledger transaction for this user (a reservation's first
    // statement makes the user's and the session's account rows: they do not exist yet) and holds nothing
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> h.provider.requests.size() == 1);
    assertThat(spent(ua)).isEqualTo(-1);
    assertThat(spent(BudgetLedger.sessionAccount(id))).isEqualTo(-1);
    assertThat(reservationsOf(user)).isZero();
    assertThat(await(budgets.getUserBudget(user)).getDouble("reservedUsd")).isZero();

    h.provider.release("unlimited");
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("complete");
    // the settlement records the cost everywhere it counts
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> spent(BudgetLedger.sessionAccount(id)) > 0);
    long cost = BudgetLedger.toMicros(10 * 1e-6 + 100 * 5e-6);
    assertThat(spent(BudgetLedger.userAccount(user, ledger().month()))).isEqualTo(cost);
    assertThat(spent(BudgetLedger.sessionAccount(id))).isEqualTo(cost);
    JsonObject b = await(budgets.getUserBudget(user));
    assertThat(b.getDouble("spentUsd")).isCloseTo(BudgetLedger.toUsd(cost), within(1e-12));
    assertThat(b.getDouble("reservedUsd")).isZero();
    JsonObject usage = await(budgets.usage(new JsonObject().put("userId", user).put("groupBy", "model")));
    assertThat(usage.getJsonArray("items")).hasSize(1);
    assertThat(usage.getJsonArray("items").getJsonObject(0).getLong("requests")).isEqualTo(1L);
    assertThat(usage.getJsonArray("items").getJsonObject(0).getLong("outputTokens")).isEqualTo(100L);
    assertThat(reservationsOf(user)).isZero();
  }

  @Test
  void aUserBudgetSetBetweenTwoTurnsIsEnforcedOnTheNextTurnAndCountsWhatWasSpentBefore() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, spec(null)).getString("id");
    Harness.Recorder rec = h.record(id);
    // the first turn, without a budget, uses its whole output allowance: $0.10001
    h.provider.fallback = request -> List.of(text("dear"), usage(10, MAX_TOKENS), done("end_turn"));
    await(h.sessions.send(user, id, "first"));
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("complete");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> spent(BudgetLedger.userAccount(user, ledger().month())) > 0);

    // $0.15 would hold the next request's ~$0.10 worst case alone, not with the $0.10 already spent
    await(budgets.setUserBudget(user, new JsonObject().put("monthlyUsd", 0.15)));
    await(h.sessions.send(user, id, "second"));
    rec.awaitTurnCompleted(2);
    JsonObject err = rec.ofType("turn_error").get(0).getJsonObject("event");
    assertThat(err.getString("code")).isEqualTo("budget_exceeded");
    assertThat(err.getString("message")).startsWith("Your monthly budget does not cover this request");
    assertThat(h.provider.requests).hasSize(1);

    // room for it: the request is held while in flight, as before issue 14
    await(budgets.setUserBudget(user, new JsonObject().put("monthlyUsd", 1.0)));
    h.provider.fallback = request -> List.of(text("ok"), usage(10, 100), hold("limited"), done("end_turn"));
    await(h.sessions.send(user, id, "third"));
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> h.provider.requests.size() == 2);
    assertThat(reservationsOf(user)).isEqualTo(1);
    assertThat(await(budgets.getUserBudget(user)).getDouble("reservedUsd")).isPositive();
    h.provider.release("limited");
    assertThat(rec.awaitTurnCompleted(3).getJsonObject("event").getString("status")).isEqualTo("complete");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> reservationsOf(user) == 0);
    assertThat(await(budgets.getUserBudget(user)).getDouble("reservedUsd")).isZero();
  }

  @Test
  void aSessionBudgetSetBetweenTwoTurnsIsEnforcedOnTheNextTurn() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, spec(null)).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.fallback = request -> List.of(text("ok"), usage(10, 100), done("end_turn"));
    await(h.sessions.send(user, id, "first"));
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("complete");
    await(h.sessions.update(user, id, new JsonObject().put("budgetUsd", 0.05)));
    await(h.sessions.send(user, id, "second"));
    rec.awaitTurnCompleted(2);
    JsonObject err = rec.ofType("turn_error").get(0).getJsonObject("event");
    assertThat(err.getString("code")).isEqualTo("budget_exceeded");
    assertThat(err.getString("message")).startsWith("This session's budget does not cover this request");
    assertThat(h.provider.requests).hasSize(1);
  }

  @Test
  void aSubagentsRequestAlwaysReserves() throws Exception {
    String user = Harness.newUser();
    String parent = h.newSession(user, spec(null)).getString("id");
    String child = h.newSession(user, spec(null)).getString("id");
    rows("UPDATE session.session SET parent_session_id = $1, depth = 1 WHERE id = $2", UUID.fromString(parent), UUID.fromString(child));
    BudgetLedger.Reservation top = onContext(() -> ledger().reserveWhereLimited(user, parent, null, 1000, null));
    BudgetLedger.Reservation sub = onContext(() -> ledger().reserveWhereLimited(user, child, null, 1000, null));
    assertThat(top.held()).isFalse();
    assertThat(sub.held()).isTrue();
    assertThat(sub.ancestorAccounts()).containsExactly(BudgetLedger.sessionAccount(parent));
    assertThat(reservationsOf(user)).isEqualTo(1);
    onContext(() -> ledger().settle(sub, null));
    onContext(() -> ledger().settle(top, null));
    assertThat(reservationsOf(user)).isZero();
  }

  static <T> T onContext(java.util.concurrent.Callable<io.vertx.core.Future<T>> call) throws Exception {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    h.vertx.runOnContext(v -> {
      try {
        call.call().onComplete(p);
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return p.future().await(20, TimeUnit.SECONDS);
  }
}
