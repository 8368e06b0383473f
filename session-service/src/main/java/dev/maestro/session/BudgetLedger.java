package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Budgets and spend in PostgreSQL (schema {@code session}, tables of V4). A request reserves its
 * worst case against the user's month and the session before it is sent, in a transaction that locks
 * the user's account row first: concurrent requests are serialized on the row, so together they can
 * never pass a limit. The reservations and settlements of one user that wait for that row are written
 * in one transaction (group commit, {@link GroupCommit}), each still checked in arrival order. The end of the request
 * settles: the reservation goes, the real cost is added to spent, and the usage row of the user, day
 * and model grows. Amounts are micro-USD.
 */
final class BudgetLedger {
  /**
   * A request's hold on the budgets until it is settled. held false: no budget applied when the request was
   * checked ({@link #reserveWhereLimited}), nothing is held and no reservation row exists; its settlement only
   * records what it cost.
   */
  record Reservation(UUID id, String userId, String userAccount, String sessionAccount, List<String> ancestorAccounts,
                     long amountMicros, boolean held) {
    Reservation(UUID id, String userId, String userAccount, String sessionAccount, List<String> ancestorAccounts, long amountMicros) {
      this(id, userId, userAccount, sessionAccount, ancestorAccounts, amountMicros, true);
    }
  }

  /** An ancestor session (a sub-agent's parent, its parent, ...) whose budget the request also counts against. */
  private record Ancestor(String sessionId, Long limitMicros) {}

  /** Deeper than any sub-agent may nest (MAESTRO_SUBAGENT_MAX_DEPTH is bounded far below): stops a corrupt cycle. */
  private static final int MAX_ANCESTORS = 32;

  /** What a request really used: tokens, its cost, and which model answered. */
  record Charge(String provider, String model, JsonObject usage, long costMicros, boolean priced) {}

  /** A request that does not fit: its turn ends with turn_error {code, message}, nothing is sent. */
  static final class Refused extends RuntimeException {
    final String code;

    Refused(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  static final String BUDGET_EXCEEDED = "budget_exceeded";
  static final String UNPRICED_MODEL = "unpriced_model";

  /** Bounds one transaction's pipeline of statements. */
  static final int MAX_BATCH = 256;

  private final Pool pool;
  private final Clock clock;
  /** Reservations and settlements, group-committed per user; one ledger per node (SessionStore#budgetLedger). */
  private final GroupCommit<Job, Object> commits;

  BudgetLedger(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
    this.commits = new GroupCommit<>(pool, MAX_BATCH, this::batch, cause -> cause);
  }

  /** The group commit of reservations and settlements (tests count its transactions). */
  GroupCommit<?, ?> commits() {
    return commits;
  }

  static String userAccount(String userId, YearMonth month) {
    return "user:" + userId + ":" + month;
  }

  static String sessionAccount(String sessionId) {
    return "session:" + sessionId;
  }

  YearMonth month() {
    return YearMonth.now(clock.withZone(ZoneOffset.UTC));
  }

  /**
   * Holds amountMicros against userId's monthly budget and the session's budget (sessionLimitMicros,
   * null: none) and, for a sub-agent, against the session budget of each of its ancestors (a child's
   * spend counts as its parent's: the parent's budgetUsd bounds its whole tree); fails with {@link Refused}
   * when any would be passed. unpricedModel (non-null):
   * the request goes to a model the price table does not know, refused when any budget applies (its
   * cost could not be held). Group-committed with the user's other reservations and settlements ({@link #batch}).
   */
  Future<Reservation> reserve(String userId, String sessionId, Long sessionLimitMicros, long amountMicros, String unpricedModel) {
    String ua = userAccount(userId, month());
    Reserve job = new Reserve(new Reservation(UUID.randomUUID(), userId, ua, sessionAccount(sessionId), List.of(), amountMicros),
        sessionId, sessionLimitMicros, unpricedModel);
    return commits.submit(userId, job).map(r -> (Reservation) r);
  }

  /**
   * {@link #reserve}, but only where a budget applies (issue 14: the reservation and its settlement were 10 of a
   * turn's 15 statements, for every user, budget or not). One statement reads the user's monthly limit and
   * whether the session is a sub-agent's; for a top-level session with no budget of its own (sessionLimitMicros,
   * from the live row) whose user has no monthly budget, nothing is held: the request is not limited by anything,
   * so an unpriced model runs too, as {@link #reserve} would let it. Its settlement still adds the cost to the
   * user's month, the session's account and the day's usage. A sub-agent's request always reserves (its
   * ancestors' budgets are in other sessions' rows).
   * <p>Exact from the next request on: a budget set (user or session) is read by every request checked after
   * it. A request checked just before a user's first budget was set holds nothing, so the first reservations
   * under that budget do not count it while it runs (its cost is added to spent when it ends): the month may
   * pass a budget set that moment by what such requests cost (README, Budgets).
   */
  Future<Reservation> reserveWhereLimited(String userId, String sessionId, Long sessionLimitMicros, long amountMicros,
                                          String unpricedModel) {
    if (sessionLimitMicros != null) return reserve(userId, sessionId, sessionLimitMicros, amountMicros, unpricedModel);
    UUID sid;
    try {
      sid = UUID.fromString(sessionId);
    } catch (IllegalArgumentException e) {
      sid = null;
    }
    return pool.preparedQuery("SELECT (SELECT monthly_micros FROM budget_user WHERE user_id = $1),"
            + " (SELECT parent_session_id IS NOT NULL FROM session WHERE id = $2)")
        .execute(Tuple.of(userId, sid))
        .compose(rows -> {
          Row row = rows.iterator().next();
          boolean limited = row.getLong(0) != null || Boolean.TRUE.equals(row.getBoolean(1));
          if (limited) return reserve(userId, sessionId, null, amountMicros, unpricedModel);
          return Future.succeededFuture(new Reservation(UUID.randomUUID(), userId, userAccount(userId, month()),
              sessionAccount(sessionId), List.of(), 0, false));
        });
  }

  /** Ends a reservation with what the request really cost (charge null: nothing was used, all is released). */
  Future<Void> settle(Reservation r, Charge charge) {
    // nothing held and nothing used: nothing to write
    if (!r.held() && charge == null) return Future.succeededFuture();
    return commits.submit(r.userId(), new Settle(r, charge, LocalDate.now(clock.withZone(ZoneOffset.UTC)))).mapEmpty();
  }

  /** The group commit's work: a reservation to hold, or one to settle. */
  private sealed interface Job permits Reserve, Settle {}

  /** r: its id, user, accounts (without ancestors: those are found in the transaction) and amount. */
  private record Reserve(Reservation r, String sessionId, Long sessionLimit, String unpriced) implements Job {}

  private record Settle(Reservation r, Charge charge, LocalDate day) implements Job {}

  /**
   * One transaction for every reservation and settlement of one user queued while the previous one ran (issue 14:
   * each took the user's budget row until its COMMIT, so a thousand requests of one user ran one after the other,
   * one WAL flush each). Two round trips, then COMMIT. First, pipelined: the accounts made, the user's row
   * locked (every writer of this user's accounts locks it first: reservations and settlements here, the sweep),
   * the user's monthly limit, each reservation's ancestors and the held amounts of the reservations to settle.
   * Then, in arrival order: each reservation is ONE statement that holds on all its accounts or on none (a
   * refused one fails alone with {@link Refused}, and a later one of the batch sees what the earlier ones hold),
   * each settlement its charges and usage.
   */
  private Future<List<Future<Object>>> batch(SqlConnection conn, String userId, List<Job> jobs) {
    String ua = userAccount(userId, month());
    List<String> accounts = new ArrayList<>();
    accounts.add(ua);
    List<UUID> settled = new ArrayList<>();
    boolean reserves = false;
    for (Job j : jobs) {
      if (j instanceof Reserve rj) {
        accounts.add(rj.r().sessionAccount());
        reserves = true;
      } else if (((Settle) j).r().held()) {
        settled.add(((Settle) j).r().id());
      } else {
        // nothing was held, so the accounts it is charged to may not exist yet
        accounts.add(((Settle) j).r().userAccount());
        accounts.add(((Settle) j).r().sessionAccount());
      }
    }
    Future<?> made = conn.preparedQuery("INSERT INTO budget_account (account) SELECT unnest($1::text[]) ON CONFLICT (account) DO NOTHING")
        .execute(Tuple.of((Object) accounts.toArray(new String[0])));
    Future<?> locked = conn.preparedQuery("SELECT 1 FROM budget_account WHERE account = $1 FOR UPDATE").execute(Tuple.of(ua));
    // only a reservation is checked against the limit: a batch of settlements does not read it
    Future<RowSet<Row>> limit = !reserves ? Future.succeededFuture(null)
        : conn.preparedQuery("SELECT monthly_micros FROM budget_user WHERE user_id = $1").execute(Tuple.of(userId));
    List<Future<List<Ancestor>>> ancestors = new ArrayList<>();
    for (Job j : jobs) ancestors.add(j instanceof Reserve rj ? ancestors(conn, rj.sessionId()) : Future.succeededFuture(List.of()));
    Future<RowSet<Row>> held = settled.isEmpty() ? Future.succeededFuture(null)
        : conn.preparedQuery("SELECT id, amount_micros FROM budget_reservation WHERE id = ANY($1) FOR UPDATE")
            .execute(Tuple.of((Object) settled.toArray(new UUID[0])));
    List<Future<?>> first = new ArrayList<>(List.of(made, locked, limit, held));
    first.addAll(ancestors);
    return Future.join(first).transform(ar -> {
      for (Future<?> f : first) if (f.failed()) return Future.<Void>failedFuture(f.cause());
      return Future.<Void>succeededFuture();
    }).compose(v -> {
      Long userLimit = limit.result() == null || limit.result().size() == 0 ? null : limit.result().iterator().next().getLong(0);
      Map<UUID, Long> heldOf = new HashMap<>();
      if (held.result() != null) for (Row r : held.result()) heldOf.put(r.getUUID("id"), r.getLong("amount_micros"));
      List<Future<Object>> outcomes = new ArrayList<>();
      // per job its statements (none for a reservation refused before any), all sent together
      List<List<Future<?>>> writes = new ArrayList<>();
      for (int i = 0; i < jobs.size(); i++) {
        Job j = jobs.get(i);
        if (j instanceof Settle sj) {
          writes.add(settle(conn, sj, heldOf.getOrDefault(sj.r().id(), 0L)));
          outcomes.add(null);
          continue;
        }
        Reserve rj = (Reserve) j;
        List<Ancestor> up = ancestors.get(i).result();
        boolean ancestorLimit = up.stream().anyMatch(a -> a.limitMicros() != null);
        if (rj.unpriced() != null && (userLimit != null || rj.sessionLimit() != null || ancestorLimit)) {
          outcomes.add(Future.failedFuture(new Refused(UNPRICED_MODEL, "the model " + rj.unpriced() + " has no price in the price"
              + " table, so a budget cannot be held for it; an admin can add its prices (MAESTRO_SESSION_MODELS_FILE,"
              + " 0 for a free model), or choose a priced model")));
          writes.add(List.of());
          continue;
        }
        writes.add(List.of(hold(conn, rj, userLimit, up)));
        outcomes.add(null);
      }
      List<Future<?>> all = new ArrayList<>();
      for (List<Future<?>> w : writes) all.addAll(w);
      return Future.join(all).transform(ar -> {
        // the first failure in statement order is the cause; its job fails alone, the others go again
        for (int i = 0; i < jobs.size(); i++) {
          for (Future<?> f : writes.get(i)) if (f.failed()) return Future.failedFuture(new GroupCommit.JobFailed(i, f.cause()));
        }
        for (int i = 0; i < jobs.size(); i++) {
          if (outcomes.get(i) != null) continue;
          if (jobs.get(i) instanceof Reserve rj) {
            @SuppressWarnings("unchecked")
            RowSet<Row> rows = ((Future<RowSet<Row>>) writes.get(i).get(0)).result();
            outcomes.set(i, held(rj, ancestors.get(i).result(), rows.iterator().next()));
          } else {
            outcomes.set(i, Future.succeededFuture());
          }
        }
        return Future.succeededFuture(outcomes);
      });
    });
  }

  /**
   * A reservation in one statement: every account it counts against (user, session, ancestors nearest first, with
   * their limits) is checked, and only when none would be passed are they all held and the reservation's row
   * stored. The statement's snapshot is taken after the earlier statements of the batch, under the user's lock.
   * → (held, ord, spent, reserved, lim): held 0 and the first account in that order that does not cover it, when refused.
   */
  private static Future<RowSet<Row>> hold(SqlConnection conn, Reserve rj, Long userLimit, List<Ancestor> up) {
    Reservation r = rj.r();
    List<String> accounts = new ArrayList<>(List.of(r.userAccount(), r.sessionAccount()));
    List<Long> limits = new ArrayList<>(Arrays.asList(userLimit, rj.sessionLimit()));
    List<String> aa = new ArrayList<>();
    for (Ancestor a : up) {
      aa.add(sessionAccount(a.sessionId()));
      accounts.add(sessionAccount(a.sessionId()));
      limits.add(a.limitMicros());
    }
    return conn.preparedQuery("WITH want AS (SELECT w.account, w.lim, w.ord FROM unnest($1::text[], $2::bigint[])"
            + " WITH ORDINALITY AS w(account, lim, ord)),"
            + " short AS (SELECT w.ord, b.spent_micros, b.reserved_micros, w.lim FROM want w JOIN budget_account b ON b.account = w.account"
            + " WHERE w.lim IS NOT NULL AND b.spent_micros + b.reserved_micros + $3 > w.lim ORDER BY w.ord LIMIT 1),"
            + " held AS (UPDATE budget_account b SET reserved_micros = b.reserved_micros + $3 FROM want w"
            + " WHERE b.account = w.account AND NOT EXISTS (SELECT 1 FROM short) RETURNING b.account),"
            + " r AS (INSERT INTO budget_reservation (id, user_account, session_account, amount_micros, ancestor_accounts)"
            + " SELECT $4, $5, $6, $3, $7 WHERE NOT EXISTS (SELECT 1 FROM short))"
            + " SELECT (SELECT count(*) FROM held) AS held, s.ord, s.spent_micros, s.reserved_micros, s.lim"
            + " FROM (SELECT 1) one LEFT JOIN short s ON true")
        .execute(Tuple.of(accounts.toArray(new String[0]), limits.toArray(new Long[0]), r.amountMicros(), r.id(), r.userAccount(),
            r.sessionAccount()).addValue(aa.toArray(new String[0])));
  }

  /** {@link #hold}'s row → the reservation (with its ancestors' accounts), or {@link Refused} saying which budget. */
  private static Future<Object> held(Reserve rj, List<Ancestor> up, Row row) {
    Reservation r = rj.r();
    List<String> aa = up.stream().map(a -> sessionAccount(a.sessionId())).toList();
    if (row.getLong("held") > 0) {
      return Future.succeededFuture(new Reservation(r.id(), r.userId(), r.userAccount(), r.sessionAccount(), aa, r.amountMicros()));
    }
    int ord = row.getLong("ord").intValue();
    String what = ord == 1 ? "your monthly budget" : ord == 2 ? "this session's budget"
        : "the budget of parent session " + up.get(ord - 3).sessionId() + " (a sub-agent spends from its parents' budgets)";
    long limit = row.getLong("lim");
    long reserved = row.getLong("reserved_micros");
    long remaining = Math.max(0, limit - row.getLong("spent_micros") - reserved);
    return Future.failedFuture(new Refused(BUDGET_EXCEEDED, String.format(Locale.ROOT,
        "%s does not cover this request: %s of %s remain%s, and this request may cost up to %s (its input"
            + " plus its maximum output); raise the budget, lower maxTokens, or wait for running requests to finish",
        capitalize(what), usd(remaining), usd(limit), reserved > 0 ? " (" + usd(reserved)
            + " held by requests in flight)" : "", usd(r.amountMicros()))));
  }

  /** A settlement's writes (the user's row first, as everywhere): the reservation goes, the charges, the day's usage. */
  private static List<Future<?>> settle(SqlConnection conn, Settle sj, long held) {
    Reservation r = sj.r();
    long cost = sj.charge() == null ? 0 : Math.max(0, sj.charge().costMicros());
    List<Future<?>> writes = new ArrayList<>();
    if (r.held()) writes.add(conn.preparedQuery("DELETE FROM budget_reservation WHERE id = $1").execute(Tuple.of(r.id())));
    // swept already (a very long request): nothing is held any more (held 0), the cost still counts
    writes.add(charge(conn, r.userAccount(), held, cost));
    writes.add(charge(conn, r.sessionAccount(), held, cost));
    for (String a : r.ancestorAccounts()) writes.add(charge(conn, a, held, cost));
    if (sj.charge() != null) writes.add(recordUsage(conn, r.userId(), sj.day(), sj.charge()));
    return writes;
  }

  /**
   * The session's ancestors, nearest first, with their session budgets (params.budgetUsd), their
   * budget_account rows made. None for a top-level session (or an id that is not a session's).
   */
  private static Future<List<Ancestor>> ancestors(SqlConnection conn, String sessionId) {
    UUID id;
    try {
      id = UUID.fromString(sessionId);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(List.of());
    }
    return conn.preparedQuery("WITH RECURSIVE up(id, lvl) AS ("
            + " SELECT parent_session_id, 1 FROM session WHERE id = $1 AND parent_session_id IS NOT NULL"
            + " UNION ALL SELECT s.parent_session_id, up.lvl + 1 FROM session s JOIN up ON s.id = up.id"
            + " WHERE s.parent_session_id IS NOT NULL AND up.lvl < $2)"
            + " SELECT s.id, CASE WHEN jsonb_typeof(s.params -> 'budgetUsd') = 'number' THEN (s.params ->> 'budgetUsd')::float8 END AS budget"
            + " FROM up JOIN session s ON s.id = up.id ORDER BY up.lvl")
        .execute(Tuple.of(id, MAX_ANCESTORS))
        .compose(rows -> {
          List<Ancestor> out = new ArrayList<>();
          for (Row r : rows) {
            Double b = r.getDouble("budget");
            out.add(new Ancestor(r.getUUID("id").toString(), b == null ? null : toMicros(b)));
          }
          if (out.isEmpty()) return Future.succeededFuture(out);
          Tuple accounts = Tuple.of((Object) out.stream().map(a -> sessionAccount(a.sessionId())).toArray(String[]::new));
          return conn.preparedQuery("INSERT INTO budget_account (account) SELECT unnest($1::text[]) ON CONFLICT (account) DO NOTHING")
              .execute(accounts).map(v -> out);
        });
  }

  private static Future<Void> charge(SqlConnection conn, String account, long held, long cost) {
    return conn.preparedQuery("UPDATE budget_account SET reserved_micros = reserved_micros - $2, spent_micros = spent_micros + $3"
        + " WHERE account = $1").execute(Tuple.of(account, held, cost)).mapEmpty();
  }

  private static Future<Void> recordUsage(SqlConnection conn, String userId, LocalDate day, Charge c) {
    JsonObject u = c.usage();
    return conn.preparedQuery("INSERT INTO usage_daily AS d (user_id, day, provider, model, requests, input_tokens, output_tokens,"
            + " cache_read_tokens, cache_write_tokens, cost_micros, unpriced_requests) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10)"
            + " ON CONFLICT (user_id, day, provider, model) DO UPDATE SET requests = d.requests + 1,"
            + " input_tokens = d.input_tokens + EXCLUDED.input_tokens, output_tokens = d.output_tokens + EXCLUDED.output_tokens,"
            + " cache_read_tokens = d.cache_read_tokens + EXCLUDED.cache_read_tokens,"
            + " cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,"
            + " cost_micros = d.cost_micros + EXCLUDED.cost_micros, unpriced_requests = d.unpriced_requests + EXCLUDED.unpriced_requests")
        .execute(Tuple.tuple(List.of(userId, day, String.valueOf(c.provider()), String.valueOf(c.model()),
            u.getLong("inputTokens", 0L), u.getLong("outputTokens", 0L), u.getLong("cacheReadTokens", 0L),
            u.getLong("cacheWriteTokens", 0L), Math.max(0, c.costMicros()), c.priced() ? 0L : 1L)))
        .mapEmpty();
  }

  /** Releases reservations older than ttlSeconds (their owner died mid-request); → how many. */
  Future<Integer> sweep(long ttlSeconds) {
    return pool.withTransaction(conn -> conn
        .preparedQuery("DELETE FROM budget_reservation WHERE created_at < now() - make_interval(secs => $1)"
            + " RETURNING user_account, session_account, amount_micros, ancestor_accounts")
        .execute(Tuple.of((double) ttlSeconds))
        .compose(rows -> {
          Future<Void> f = Future.succeededFuture();
          for (Row row : rows) {
            String ua = row.getString(0);
            String sa = row.getString(1);
            long held = row.getLong(2);
            f = f.compose(v -> charge(conn, ua, held, 0)).compose(v -> charge(conn, sa, held, 0));
            for (String a : row.getArrayOfStrings(3)) f = f.compose(v -> charge(conn, a, held, 0));
          }
          return f.map(rows.size());
        }));
  }

  // ---------------------------------------------------------------- budgets and usage, as the API shows them

  Future<JsonObject> userBudget(String userId) {
    YearMonth month = month();
    return pool.preparedQuery("SELECT (SELECT monthly_micros FROM budget_user WHERE user_id = $1),"
            + " (SELECT spent_micros FROM budget_account WHERE account = $2), (SELECT reserved_micros FROM budget_account WHERE account = $2)")
        .execute(Tuple.of(userId, userAccount(userId, month)))
        .map(rows -> {
          Row row = rows.iterator().next();
          Long limit = row.getLong(0);
          long spent = row.getLong(1) == null ? 0 : row.getLong(1);
          long reserved = row.getLong(2) == null ? 0 : row.getLong(2);
          return new JsonObject().put("userId", userId).put("monthlyUsd", limit == null ? null : toUsd(limit))
              .put("month", month.toString()).put("spentUsd", toUsd(spent)).put("reservedUsd", toUsd(reserved))
              .put("remainingUsd", limit == null ? null : toUsd(Math.max(0, limit - spent - reserved)));
        });
  }

  /** monthlyUsd null removes the limit. */
  Future<JsonObject> setUserBudget(String userId, Double monthlyUsd) {
    Future<?> write = monthlyUsd == null
        ? pool.preparedQuery("DELETE FROM budget_user WHERE user_id = $1").execute(Tuple.of(userId))
        : pool.preparedQuery("INSERT INTO budget_user (user_id, monthly_micros) VALUES ($1, $2) ON CONFLICT (user_id)"
            + " DO UPDATE SET monthly_micros = EXCLUDED.monthly_micros, updated_at = now()").execute(Tuple.of(userId, toMicros(monthlyUsd)));
    return write.compose(v -> userBudget(userId));
  }

  /** What a session has spent and holds now (its own account), in USD. */
  Future<JsonObject> sessionSpend(String sessionId) {
    return pool.preparedQuery("SELECT spent_micros, reserved_micros FROM budget_account WHERE account = $1")
        .execute(Tuple.of(sessionAccount(sessionId)))
        .map(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          return new JsonObject().put("spentUsd", row == null ? 0.0 : toUsd(row.getLong(0)))
              .put("reservedUsd", row == null ? 0.0 : toUsd(row.getLong(1)));
        });
  }

  /** userId null: every user. groupBy: user | model | day. */
  Future<JsonObject> usage(String userId, LocalDate from, LocalDate to, String groupBy) {
    String key = switch (groupBy) {
      case "user" -> "user_id";
      case "model" -> "provider, model";
      case "day" -> "day";
      default -> throw new IllegalArgumentException("groupBy " + groupBy);
    };
    String sums = "SUM(requests)::bigint, SUM(input_tokens)::bigint, SUM(output_tokens)::bigint, SUM(cache_read_tokens)::bigint,"
        + " SUM(cache_write_tokens)::bigint, SUM(cost_micros)::bigint, SUM(unpriced_requests)::bigint";
    String where = " FROM usage_daily WHERE day >= $1 AND day <= $2 AND ($3::text IS NULL OR user_id = $3)";
    Tuple args = Tuple.of(from, to, userId);
    Future<JsonArray> items = pool.preparedQuery("SELECT " + key + ", " + sums + where + " GROUP BY " + key + " ORDER BY " + key)
        .execute(args).map(rows -> {
          JsonArray out = new JsonArray();
          int keys = "model".equals(groupBy) ? 2 : 1;
          for (Row row : rows) {
            JsonObject item = new JsonObject();
            switch (groupBy) {
              case "user" -> item.put("userId", row.getString(0));
              case "model" -> item.put("provider", row.getString(0)).put("model", row.getString(1));
              default -> item.put("day", row.getLocalDate(0).toString());
            }
            out.add(figures(item, row, keys));
          }
          return out;
        });
    Future<JsonObject> total = pool.preparedQuery("SELECT " + sums + where).execute(args)
        .map(rows -> figures(new JsonObject(), rows.iterator().next(), 0));
    return Future.all(items, total).map(v -> new JsonObject().put("from", from.toString()).put("to", to.toString())
        .put("groupBy", groupBy).put("items", items.result()).put("total", total.result()));
  }

  private static JsonObject figures(JsonObject into, Row row, int at) {
    return into.put("requests", zero(row.getLong(at))).put("inputTokens", zero(row.getLong(at + 1)))
        .put("outputTokens", zero(row.getLong(at + 2))).put("cacheReadTokens", zero(row.getLong(at + 3)))
        .put("cacheWriteTokens", zero(row.getLong(at + 4))).put("costUsd", toUsd(zero(row.getLong(at + 5))))
        .put("unpricedRequests", zero(row.getLong(at + 6)));
  }

  private static long zero(Long v) {
    return v == null ? 0 : v;
  }

  static long toMicros(double usd) {
    return Math.round(usd * 1_000_000d);
  }

  static double toUsd(long micros) {
    return micros / 1_000_000d;
  }

  static String usd(long micros) {
    return String.format(Locale.ROOT, "$%.4f", toUsd(micros));
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
