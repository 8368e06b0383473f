package dev.maestro.session;

import dev.maestro.contracts.budget.BudgetService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14, group commit per user for the budget ledger: the reservations (and settlements) of one user that wait
 * for the user's budget row are written in one transaction, each still checked in arrival order against every
 * budget it counts against — all of them held or none — so the limit holds exactly at its boundary; a transaction
 * that fails at COMMIT stores none of them. The ledger is the node's ({@link SessionStore#budgetLedger}); the
 * user's row is held from outside while the requests arrive, so they are all waiting when it is let go.
 */
class BudgetGroupCommitTest {
  static final long AMOUNT = 100_000;
  static Harness h;
  static Pool outside;
  static BudgetService budgets;

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

  static BudgetLedger ledger() {
    return h.verticle.router().store().budgetLedger();
  }

  /** Runs call on a Vert.x context (as the ledger's callers do: a session's). */
  static <T> T onContext(Callable<T> call) throws Exception {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    h.vertx.runOnContext(v -> {
      try {
        p.complete(call.call());
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return p.future().await(10, TimeUnit.SECONDS);
  }

  static List<Row> rows(String sql, Object... args) throws Exception {
    List<Row> out = new ArrayList<>();
    outside.preparedQuery(sql).execute(Tuple.from(args)).await(10, TimeUnit.SECONDS).forEach(out::add);
    return out;
  }

  /** Holds user's budget row (the lock every reservation takes first) in an open transaction until released. */
  static final class RowLock implements AutoCloseable {
    final SqlConnection conn;
    final Transaction tx;

    RowLock(String user) throws Exception {
      String ua = BudgetLedger.userAccount(user, ledger().month());
      conn = outside.getConnection().await(10, TimeUnit.SECONDS);
      conn.preparedQuery("INSERT INTO session.budget_account (account) VALUES ($1) ON CONFLICT DO NOTHING").execute(Tuple.of(ua))
          .await(10, TimeUnit.SECONDS);
      tx = conn.begin().await(10, TimeUnit.SECONDS);
      conn.preparedQuery("SELECT 1 FROM session.budget_account WHERE account = $1 FOR UPDATE").execute(Tuple.of(ua))
          .await(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      if (tx != null) tx.rollback().otherwiseEmpty().await(10, TimeUnit.SECONDS);
      conn.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** n reservations of AMOUNT for user over sessions, sent while user's row is held; returns when all wait. */
  static List<Future<BudgetLedger.Reservation>> reserveAll(String user, List<String> sessions, Long sessionLimit, int n) throws Exception {
    List<Future<BudgetLedger.Reservation>> out = new ArrayList<>();
    long txBefore = ledger().commits().transactions();
    for (int i = 0; i < n; i++) {
      String sid = sessions.get(i % sessions.size());
      out.add(onContext(() -> ledger().reserve(user, sid, sessionLimit, AMOUNT, null)));
    }
    // the first went alone and waits for the row; the others wait for it
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ledger().commits().transactions() == txBefore + 1
        && ledger().commits().waiting(user) == n - 1);
    return out;
  }

  static void awaitAll(List<? extends Future<?>> fs) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fs.stream().allMatch(Future::isComplete));
  }

  static long reserved(String account) throws Exception {
    List<Row> r = rows("SELECT reserved_micros FROM session.budget_account WHERE account = $1", account);
    return r.isEmpty() ? 0 : r.get(0).getLong(0);
  }

  @Test
  void concurrentReservationsOfOneUserAreOneTransactionAndStopExactlyAtTheLimit() throws Exception {
    String user = Harness.newUser();
    // room for exactly 10 of the 15
    await(budgets.setUserBudget(user, new JsonObject().put("monthlyUsd", BudgetLedger.toUsd(10 * AMOUNT))));
    List<String> sessions = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString());
    long txBefore = ledger().commits().transactions();
    List<Future<BudgetLedger.Reservation>> all;
    try (RowLock lock = new RowLock(user)) {
      all = reserveAll(user, sessions, null, 15);
    }
    awaitAll(all);
    assertThat(all.subList(0, 10)).allMatch(Future::succeeded);
    for (Future<BudgetLedger.Reservation> f : all.subList(10, 15)) {
      assertThat(f.cause()).isInstanceOfSatisfying(BudgetLedger.Refused.class, r -> {
        assertThat(r.code).isEqualTo(BudgetLedger.BUDGET_EXCEEDED);
        assertThat(r.getMessage()).startsWith("Your monthly budget does not cover this request: $0.0000 of $1.0000 remain");
      });
    }
    assertThat(ledger().commits().transactions() - txBefore).isEqualTo(2);
    String ua = BudgetLedger.userAccount(user, ledger().month());
    assertThat(reserved(ua)).isEqualTo(10 * AMOUNT);
    // the refused held nothing on their sessions either
    assertThat(reserved(BudgetLedger.sessionAccount(sessions.get(0))) + reserved(BudgetLedger.sessionAccount(sessions.get(1))))
        .isEqualTo(10 * AMOUNT);
    assertThat(rows("SELECT count(DISTINCT xmin::text) AS tx, count(*) AS n FROM session.budget_reservation WHERE user_account = $1", ua))
        .allSatisfy(r -> {
          assertThat(r.getLong("n")).isEqualTo(10L);
          assertThat(r.getLong("tx")).isLessThanOrEqualTo(2L);
        });

    // settling them (together too) gives everything back
    long settleTx = ledger().commits().transactions();
    List<Future<BudgetLedger.Reservation>> held = all.subList(0, 10);
    List<Future<Void>> settled = onContext(() -> {
      List<Future<Void>> s = new ArrayList<>();
      for (Future<BudgetLedger.Reservation> f : held) s.add(ledger().settle(f.result(), null));
      return s;
    });
    awaitAll(settled);
    assertThat(settled).allMatch(Future::succeeded);
    // all ten sent at once: the first alone, the nine others while it ran
    assertThat(ledger().commits().transactions() - settleTx).isEqualTo(2);
    assertThat(reserved(ua)).isZero();
    assertThat(rows("SELECT 1 FROM session.budget_reservation WHERE user_account = $1", ua)).isEmpty();
  }

  /** A reservation refused by its session's budget holds nothing on the user's either, and the next one in the batch fits. */
  @Test
  void aReservationRefusedBySessionBudgetHoldsNothingAnywhere() throws Exception {
    String user = Harness.newUser();
    String small = UUID.randomUUID().toString();
    String other = UUID.randomUUID().toString();
    String ua = BudgetLedger.userAccount(user, ledger().month());
    List<Future<BudgetLedger.Reservation>> all = new ArrayList<>();
    try (RowLock lock = new RowLock(user)) {
      long txBefore = ledger().commits().transactions();
      all.add(onContext(() -> ledger().reserve(user, other, null, AMOUNT, null)));
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ledger().commits().transactions() == txBefore + 1);
      // a session budget of half the amount: refused
      all.add(onContext(() -> ledger().reserve(user, small, AMOUNT / 2, AMOUNT, null)));
      all.add(onContext(() -> ledger().reserve(user, other, null, AMOUNT, null)));
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ledger().commits().waiting(user) == 2);
    }
    awaitAll(all);
    assertThat(all.get(0).succeeded()).isTrue();
    assertThat(all.get(1).cause()).isInstanceOfSatisfying(BudgetLedger.Refused.class,
        r -> assertThat(r.getMessage()).startsWith("This session's budget does not cover this request"));
    assertThat(all.get(2).succeeded()).isTrue();
    assertThat(reserved(ua)).isEqualTo(2 * AMOUNT);
    assertThat(reserved(BudgetLedger.sessionAccount(small))).isZero();
    assertThat(reserved(BudgetLedger.sessionAccount(other))).isEqualTo(2 * AMOUNT);
  }

  /** The COMMIT of a batch fails: every reservation in it fails and none is held or stored. */
  @Test
  void aBatchWhoseCommitFailsHoldsNothing() throws Exception {
    String user = Harness.newUser();
    String sid = UUID.randomUUID().toString();
    String ua = BudgetLedger.userAccount(user, ledger().month());
    outside.query("CREATE OR REPLACE FUNCTION session.gc_fail_budget() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        + " IF (SELECT count(*) FROM session.budget_reservation r WHERE r.user_account = NEW.user_account) > 1"
        + " THEN RAISE EXCEPTION 'injected commit failure'; END IF; RETURN NULL; END $$").execute().await(10, TimeUnit.SECONDS);
    outside.query("DROP TRIGGER IF EXISTS gc_fail_budget ON session.budget_reservation").execute().await(10, TimeUnit.SECONDS);
    outside.query("CREATE CONSTRAINT TRIGGER gc_fail_budget AFTER INSERT ON session.budget_reservation DEFERRABLE INITIALLY DEFERRED"
        + " FOR EACH ROW EXECUTE FUNCTION session.gc_fail_budget()").execute().await(10, TimeUnit.SECONDS);
    List<Future<BudgetLedger.Reservation>> all;
    try {
      try (RowLock lock = new RowLock(user)) {
        all = reserveAll(user, List.of(sid), null, 4);
      }
      awaitAll(all);
    } finally {
      outside.query("DROP TRIGGER IF EXISTS gc_fail_budget ON session.budget_reservation").execute().await(10, TimeUnit.SECONDS);
    }
    // the first went alone (one reservation: the trigger lets it through); the three after it together: all fail
    assertThat(all.get(0).succeeded()).isTrue();
    for (Future<BudgetLedger.Reservation> f : all.subList(1, 4)) {
      assertThat(f.failed()).isTrue();
      assertThat(f.cause().getMessage()).contains("injected commit failure");
    }
    assertThat(reserved(ua)).isEqualTo(AMOUNT);
    assertThat(reserved(BudgetLedger.sessionAccount(sid))).isEqualTo(AMOUNT);
    assertThat(rows("SELECT 1 FROM session.budget_reservation WHERE user_account = $1", ua)).hasSize(1);
  }
}
