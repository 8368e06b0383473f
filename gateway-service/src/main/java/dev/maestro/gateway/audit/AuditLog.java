package dev.maestro.gateway.audit;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.audit.AuditEvents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The audit trail's one writer and reader (table {@code gateway.audit_log}, append-only). Entries arrive
 * fire-and-forget on {@link Addresses#AUDIT} from every service (each entry is {@code send}, so one
 * gateway instance stores it once) and are inserted off every request's path, one INSERT at a time (entries that
 * came meanwhile together, see {@link #flush}). An entry that
 * cannot be stored (database away, too many waiting) is logged with its action and target and dropped:
 * the audit must never slow or fail what it records. Entries come from cluster members, which hold the
 * cluster key and are trusted, but their shape is still checked so one bad entry cannot poison a page.
 */
public final class AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final Set<String> OUTCOMES = Set.of(AuditEvents.SUCCESS, AuditEvents.FAILURE, AuditEvents.DENIED);
  /** Inserts waiting at once beyond which new entries are dropped (logged) rather than queued without bound. */
  static final int MAX_IN_FLIGHT = 2_000;
  private static final int MAX_DETAIL_CHARS = 4_000;

  private final Vertx vertx;
  private final Pool pool;
  private MessageConsumer<Object> consumer;
  private int inFlight;

  public AuditLog(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  public Future<Void> start() {
    consumer = vertx.eventBus().<Object>consumer(Addresses.AUDIT, m -> {
      if (m.body() instanceof JsonObject e) write(e);
    });
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Stores one entry; never fails (a refused or failed write is logged). */
  Future<Void> write(JsonObject e) {
    String action = e.getValue("action") instanceof String a && !a.isBlank() && a.length() <= 100 ? a : null;
    String outcome = e.getValue("outcome") instanceof String o && OUTCOMES.contains(o) ? o : null;
    if (action == null || outcome == null) {
      LOG.warn("audit entry refused: action or outcome missing or unknown");
      return Future.succeededFuture();
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      LOG.warn("audit entry {} {} dropped: {} writes already waiting", action, e.getValue("target"), inFlight);
      return Future.succeededFuture();
    }
    UUID user = uuid(e.getValue("userId"));
    String target = e.getValue("target") == null ? null : String.valueOf(e.getValue("target"));
    if (target != null && target.length() > AuditEvents.MAX_TARGET) target = target.substring(0, AuditEvents.MAX_TARGET);
    JsonObject detail = e.getValue("detail") instanceof JsonObject d ? d : new JsonObject();
    if (detail.encode().length() > MAX_DETAIL_CHARS) detail = new JsonObject().put("truncated", true);
    OffsetDateTime at = time(e.getValue("at"));
    inFlight++;
    Pending p = new Pending(at == null ? OffsetDateTime.now(ZoneOffset.UTC) : at, user, action, target, outcome, detail, Promise.promise());
    waiting.add(p);
    if (!writing) flush();
    return p.done().future();
  }

  /** One entry waiting to be stored. */
  private record Pending(OffsetDateTime at, UUID user, String action, String target, String outcome, JsonObject detail,
                         Promise<Void> done) {}

  /** Entries that came while a write ran: stored together by the next (one at a time, in arrival order). */
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private boolean writing;
  /** Entries in one INSERT at most. */
  static final int MAX_BATCH = 500;
  /** INSERTs issued so far (tests). */
  long statements;

  /**
   * Stores what waits, one INSERT at a time (issue 14): an entry that comes alone is one single-row INSERT as
   * before; entries that came while one ran (under load: every turn sends two, sendMessage and useCredential)
   * go in one multi-row INSERT instead of one statement each.
   */
  private void flush() {
    if (waiting.isEmpty()) {
      writing = false;
      return;
    }
    writing = true;
    List<Pending> batch = new ArrayList<>(Math.min(waiting.size(), MAX_BATCH));
    while (!waiting.isEmpty() && batch.size() < MAX_BATCH) batch.add(waiting.poll());
    insert(batch).onComplete(ar -> {
      for (Pending p : batch) {
        inFlight--;
        p.done().complete();
      }
      flush();
    });
  }

  /** Never fails: an entry that cannot be stored is logged and dropped. */
  private Future<Void> insert(List<Pending> batch) {
    if (batch.size() == 1) return insertOne(batch.get(0));
    int n = batch.size();
    OffsetDateTime[] at = new OffsetDateTime[n];
    UUID[] user = new UUID[n];
    String[] action = new String[n];
    String[] target = new String[n];
    String[] outcome = new String[n];
    String[] detail = new String[n];
    for (int i = 0; i < n; i++) {
      Pending p = batch.get(i);
      at[i] = p.at();
      user[i] = p.user();
      action[i] = p.action();
      target[i] = p.target();
      outcome[i] = p.outcome();
      detail[i] = p.detail().encode();
    }
    statements++;
    return pool.preparedQuery("INSERT INTO audit_log (at, user_id, action, target, outcome, detail) "
            + "SELECT a, u, ac, t, o, d::jsonb FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) "
            + "WITH ORDINALITY AS x(a, u, ac, t, o, d, n) ORDER BY n")
        .execute(Tuple.of(at, user, action, target, outcome, detail))
        .<Void>mapEmpty()
        // one entry PostgreSQL refuses must not take the others with it: each alone, as before batching
        .recover(err -> {
          List<Future<Void>> each = new ArrayList<>();
          for (Pending p : batch) each.add(insertOne(p));
          return Future.join(each).mapEmpty();
        });
  }

  private Future<Void> insertOne(Pending p) {
    statements++;
    return pool.preparedQuery("INSERT INTO audit_log (at, user_id, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(p.at(), p.user(), p.action(), p.target(), p.outcome(), p.detail()))
        .<Void>mapEmpty()
        .recover(err -> {
          LOG.warn("audit entry {} {} (user {}) not stored: {}", p.action(), p.target(), p.user(), err.getMessage());
          return Future.succeededFuture();
        });
  }

  /**
   * Entries newest first. filter: {user? (a user id or a username), action?, outcome?, from?, to? (Instants),
   * limit, cursor? (the id of the last entry of the previous page)} → {items, nextCursor}.
   */
  public Future<JsonObject> list(String user, String action, String outcome, Instant from, Instant to, int limit, Long cursor) {
    UUID userId = uuid(user);
    String username = userId == null ? user : null;
    return pool.preparedQuery("SELECT a.id, a.at, a.user_id, u.username, a.action, a.target, a.outcome, a.detail "
            + "FROM audit_log a LEFT JOIN app_user u ON u.id = a.user_id "
            + "WHERE ($1::uuid IS NULL OR a.user_id = $1) AND ($2::text IS NULL OR lower(u.username) = lower($2)) "
            + "AND ($3::text IS NULL OR a.action = $3) AND ($4::text IS NULL OR a.outcome = $4) "
            + "AND ($5::timestamptz IS NULL OR a.at >= $5) AND ($6::timestamptz IS NULL OR a.at < $6) "
            + "AND ($7::bigint IS NULL OR (a.at, a.id) < (SELECT at, id FROM audit_log WHERE id = $7)) "
            + "ORDER BY a.at DESC, a.id DESC LIMIT $8")
        .execute(Tuple.from(new Object[] {userId, username, action, outcome, utc(from), utc(to), cursor, limit + 1}))
        .map(rows -> {
          JsonArray items = new JsonArray();
          String next = null;
          for (Row r : rows) {
            if (items.size() == limit) {
              next = items.getJsonObject(limit - 1).getString("id");
              break;
            }
            UUID uid = r.getUUID("user_id");
            Object detail = r.getValue("detail");
            items.add(new JsonObject().put("id", String.valueOf(r.getLong("id")))
                .put("at", r.getOffsetDateTime("at").toInstant().toString())
                .put("userId", uid == null ? null : uid.toString()).put("username", r.getString("username"))
                .put("action", r.getString("action")).put("kind", r.getString("action"))
                .put("target", r.getString("target")).put("outcome", r.getString("outcome"))
                .put("detail", detail instanceof JsonObject j ? j : new JsonObject()));
          }
          return new JsonObject().put("items", items).put("nextCursor", next);
        });
  }

  private static OffsetDateTime utc(Instant i) {
    return i == null ? null : i.atOffset(ZoneOffset.UTC);
  }

  private static UUID uuid(Object v) {
    if (!(v instanceof String s) || s.length() != 36) return null;
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static OffsetDateTime time(Object v) {
    if (!(v instanceof String s)) return null;
    try {
      return Instant.parse(s).atOffset(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
