package dev.maestro.gateway.audit;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.audit.AuditEvents;
import io.vertx.core.Future;
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
import java.util.Set;
import java.util.UUID;

/**
 * The audit trail's one writer and reader (table {@code gateway.audit_log}, append-only). Entries arrive
 * fire-and-forget on {@link Addresses#AUDIT} from every service (each entry is {@code send}, so one
 * gateway instance stores it once) and are inserted one by one, off every request's path. An entry that
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
    String t = target;
    inFlight++;
    return pool.preparedQuery("INSERT INTO audit_log (at, user_id, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(at == null ? OffsetDateTime.now(ZoneOffset.UTC) : at, user, action, t, outcome, detail))
        .<Void>mapEmpty()
        .recover(err -> {
          LOG.warn("audit entry {} {} (user {}) not stored: {}", action, t, user, err.getMessage());
          return Future.succeededFuture();
        })
        .andThen(ar -> inFlight--);
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
