package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Budgets and spend in PostgreSQL (schema {@code session}, tables of V4). A request reserves its
 * worst case against the user's month and the session before it is sent, in ONE transaction whose
 * conditional UPDATEs (spent + reserved + amount ≤ limit) take the account rows' locks: concurrent
 * requests are serialized on the row, so together they can never pass a limit. The end of the request
 * settles: the reservation goes, the real cost is added to spent, and the usage row of the user, day
 * and model grows. Amounts are micro-USD.
 */
final class BudgetLedger {
  /** A request's hold on the budgets until it is settled. */
  record Reservation(UUID id, String userId, String userAccount, String sessionAccount, List<String> ancestorAccounts,
                     long amountMicros) {}

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

  private final Pool pool;
  private final Clock clock;

  BudgetLedger(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
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
   * cost could not be held).
   */
  Future<Reservation> reserve(String userId, String sessionId, Long sessionLimitMicros, long amountMicros, String unpricedModel) {
    String ua = userAccount(userId, month());
    String sa = sessionAccount(sessionId);
    UUID id = UUID.randomUUID();
    return pool.withTransaction(conn -> conn
        .preparedQuery("INSERT INTO budget_account (account) VALUES ($1), ($2) ON CONFLICT (account) DO NOTHING")
        .execute(Tuple.of(ua, sa))
        .compose(v -> ancestors(conn, sessionId))
        .compose(ancestors -> conn.preparedQuery("SELECT monthly_micros FROM budget_user WHERE user_id = $1").execute(Tuple.of(userId))
        .compose(rows -> {
          Long userLimit = rows.size() == 0 ? null : rows.iterator().next().getLong(0);
          boolean ancestorLimit = ancestors.stream().anyMatch(a -> a.limitMicros() != null);
          if (unpricedModel != null && (userLimit != null || sessionLimitMicros != null || ancestorLimit)) {
            return Future.failedFuture(new Refused(UNPRICED_MODEL, "the model " + unpricedModel + " has no price in the price"
                + " table, so a budget cannot be held for it; an admin can add its prices (MAESTRO_SESSION_MODELS_FILE,"
                + " 0 for a free model), or choose a priced model"));
          }
          // user first, then session, then its ancestors nearest first: all of one user's requests lock the
          // user's row first, so they are serialized on it and never deadlock on the rows after it. The holds and
          // the reservation's row go out together (pipelined, run in order): one round trip under the user's row
          // lock instead of one per statement (a thousand requests of one user at once, bench e2e, issue 14). A
          // refused hold is read in order, and the transaction (with whatever ran after it) rolled back.
          List<String> aa = new ArrayList<>();
          List<Future<Void>> holds = new ArrayList<>();
          holds.add(hold(conn, ua, userLimit, amountMicros, "your monthly budget"));
          holds.add(hold(conn, sa, sessionLimitMicros, amountMicros, "this session's budget"));
          for (Ancestor a : ancestors) {
            String account = sessionAccount(a.sessionId());
            aa.add(account);
            holds.add(hold(conn, account, a.limitMicros(), amountMicros,
                "the budget of parent session " + a.sessionId() + " (a sub-agent spends from its parents' budgets)"));
          }
          Future<?> row = conn.preparedQuery("INSERT INTO budget_reservation (id, user_account, session_account,"
                  + " amount_micros, ancestor_accounts) VALUES ($1, $2, $3, $4, $5)")
              .execute(Tuple.of(id, ua, sa, amountMicros, aa.toArray(new String[0])));
          List<Future<?>> all = new ArrayList<>(holds);
          all.add(row);
          return Future.join(all).transform(ar -> {
            for (Future<?> f : all) if (f.failed()) return Future.<List<String>>failedFuture(f.cause());
            return Future.succeededFuture(List.copyOf(aa));
          });
        })))
        .map(aa -> new Reservation(id, userId, ua, sa, aa, amountMicros));
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

  /** The conditional UPDATE: passes only while spent + reserved + amount stays within limit (null: no limit). */
  private static Future<Void> hold(SqlConnection conn, String account, Long limit, long amount, String what) {
    return conn.preparedQuery("UPDATE budget_account SET reserved_micros = reserved_micros + $2 WHERE account = $1"
            + " AND ($3::bigint IS NULL OR spent_micros + reserved_micros + $2 <= $3) RETURNING account")
        .execute(Tuple.of(account, amount, limit))
        .compose(rows -> {
          if (rows.size() == 1) return Future.succeededFuture();
          return conn.preparedQuery("SELECT spent_micros, reserved_micros FROM budget_account WHERE account = $1")
              .execute(Tuple.of(account)).compose(r -> {
                Row row = r.iterator().next();
                long remaining = Math.max(0, limit - row.getLong(0) - row.getLong(1));
                return Future.failedFuture(new Refused(BUDGET_EXCEEDED, String.format(Locale.ROOT,
                    "%s does not cover this request: %s of %s remain%s, and this request may cost up to %s (its input"
                        + " plus its maximum output); raise the budget, lower maxTokens, or wait for running requests to finish",
                    capitalize(what), usd(remaining), usd(limit), row.getLong(1) > 0 ? " (" + usd(row.getLong(1))
                        + " held by requests in flight)" : "", usd(amount))));
              });
        });
  }

  /** Ends a reservation with what the request really cost (charge null: nothing was used, all is released). */
  Future<Void> settle(Reservation r, Charge charge) {
    long cost = charge == null ? 0 : Math.max(0, charge.costMicros());
    LocalDate day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    return pool.withTransaction(conn -> conn
        .preparedQuery("DELETE FROM budget_reservation WHERE id = $1 RETURNING amount_micros").execute(Tuple.of(r.id()))
        .compose(rows -> {
          // swept already (a very long request): nothing is held any more, the cost still counts
          long held = rows.size() == 0 ? 0 : rows.iterator().next().getLong(0);
          // the charges and the day's usage go out together (pipelined, run in order: user's row first, as in
          // reserve): one round trip under the user's row lock instead of one per statement
          List<Future<Void>> writes = new ArrayList<>();
          writes.add(charge(conn, r.userAccount(), held, cost));
          writes.add(charge(conn, r.sessionAccount(), held, cost));
          for (String a : r.ancestorAccounts()) writes.add(charge(conn, a, held, cost));
          if (charge != null) writes.add(recordUsage(conn, r.userId(), day, charge));
          return Future.join(writes).transform(ar -> {
            for (Future<Void> w : writes) if (w.failed()) return Future.<Void>failedFuture(w.cause());
            return Future.<Void>succeededFuture();
          });
        }));
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
