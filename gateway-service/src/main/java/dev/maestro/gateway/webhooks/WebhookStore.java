package dev.maestro.gateway.webhooks;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The webhooks (schema gateway) and their durable outbox. Every gateway instance writes each event it
 * receives for each webhook (a (webhook, event) pair is queued once however many instances do), and
 * any instance delivers: the head of a webhook's queue is leased ({@code locked_until}) before it is
 * sent, so two instances never send the same row at once and a webhook's events go in order.
 */
public final class WebhookStore {
  public static final String SECRET_PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** How long a claimed delivery stays leased to the instance sending it (well above the request timeout). */
  static final int LEASE_SECONDS = 120;

  /** One delivery claimed for sending. */
  public record Due(long id, UUID webhookId, String url, String secret, String eventId, String eventType, String payload,
                    int attempts) {}

  private final Pool pool;

  private static String ts(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }

  public WebhookStore(Pool pool) {
    this.pool = pool;
  }

  /** → the webhook with its secret: the only time the secret is returned. */
  public Future<JsonObject> create(String url, List<String> types, String createdBy) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    UUID id = UUID.randomUUID();
    return pool.preparedQuery("INSERT INTO webhook (id, url, secret, types, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING created_at")
        .execute(Tuple.of(id, url, secret, types.toArray(new String[0]), createdBy == null ? null : UUID.fromString(createdBy)))
        .map(rows -> new JsonObject().put("id", id.toString()).put("url", url).put("types", new JsonArray(new ArrayList<>(types)))
            .put("createdAt", ts(rows.iterator().next().getOffsetDateTime("created_at")))
            .put("secret", secret));
  }

  /** Every webhook with its delivery status (never its secret), oldest first. */
  public Future<JsonArray> list() {
    return pool.query("SELECT w.id, w.url, w.types, w.created_at, "
            + "count(*) FILTER (WHERE d.status = 'pending') AS pending, "
            + "count(*) FILTER (WHERE d.status = 'delivered') AS delivered, "
            + "count(*) FILTER (WHERE d.status = 'failed') AS failed, "
            + "max(d.done_at) FILTER (WHERE d.status = 'delivered') AS last_delivered_at, "
            + "max(d.last_attempt_at) AS last_attempt_at, "
            + "(SELECT x.last_error FROM webhook_delivery x WHERE x.webhook_id = w.id AND x.last_error IS NOT NULL "
            + "  ORDER BY x.last_attempt_at DESC NULLS LAST LIMIT 1) AS last_error "
            + "FROM webhook w LEFT JOIN webhook_delivery d ON d.webhook_id = w.id "
            + "GROUP BY w.id ORDER BY w.created_at, w.id")
        .execute()
        .map(rows -> {
          JsonArray items = new JsonArray();
          for (Row r : rows) items.add(view(r));
          return items;
        });
  }

  private static JsonObject view(Row r) {
    JsonArray types = new JsonArray();
    for (String t : r.getArrayOfStrings("types")) types.add(t);
    return new JsonObject().put("id", r.getUUID("id").toString()).put("url", r.getString("url")).put("types", types)
        .put("createdAt", ts(r.getOffsetDateTime("created_at")))
        .put("deliveries", new JsonObject().put("pending", r.getLong("pending")).put("delivered", r.getLong("delivered"))
            .put("failed", r.getLong("failed")))
        .put("lastDeliveredAt", ts(r.getOffsetDateTime("last_delivered_at")))
        .put("lastAttemptAt", ts(r.getOffsetDateTime("last_attempt_at")))
        .put("lastError", r.getString("last_error"));
  }

  /** → whether a webhook was deleted (its queued deliveries go with it). */
  public Future<Boolean> delete(UUID id) {
    return pool.preparedQuery("DELETE FROM webhook WHERE id = $1").execute(Tuple.of(id)).map(rows -> rows.rowCount() > 0);
  }

  /** Every webhook's id → the event types it takes (empty: every type); for {@link WebhookTypes}. */
  public Future<Map<UUID, List<String>>> allTypes() {
    return pool.query("SELECT id, types FROM webhook").execute().map(rows -> {
      Map<UUID, List<String>> out = new HashMap<>();
      for (Row r : rows) {
        String[] t = r.getArrayOfStrings("types");
        out.put(r.getUUID("id"), t == null ? List.of() : List.of(t));
      }
      return out;
    });
  }

  /** Queues one public event for every webhook that takes its type → how many deliveries were queued. */
  public Future<Integer> enqueue(JsonObject envelope) {
    String payload = envelope.encode();
    return pool.preparedQuery("INSERT INTO webhook_delivery (webhook_id, event_id, event_type, payload) "
            + "SELECT id, $1, $2, $3 FROM webhook WHERE cardinality(types) = 0 OR $2 = ANY(types) "
            + "ON CONFLICT (webhook_id, event_id) DO NOTHING")
        .execute(Tuple.of(UUID.fromString(envelope.getString("id")), envelope.getString("type"), payload))
        .map(rows -> rows.rowCount());
  }

  /**
   * Leases the head (oldest pending row) of every webhook's queue whose time has come → those rows.
   * A later row never overtakes an earlier one of the same webhook.
   */
  public Future<List<Due>> claimDue() {
    return pool.query("WITH heads AS (SELECT DISTINCT ON (webhook_id) id FROM webhook_delivery WHERE status = 'pending' "
            + "  ORDER BY webhook_id, id) "
            + "UPDATE webhook_delivery d SET locked_until = now() + interval '" + LEASE_SECONDS + " seconds' "
            + "FROM heads h, webhook w WHERE d.id = h.id AND w.id = d.webhook_id AND d.status = 'pending' "
            + "AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now()) "
            + "RETURNING d.id, d.webhook_id, w.url, w.secret, d.event_id, d.event_type, d.payload, d.attempts")
        .execute()
        .map(rows -> {
          List<Due> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new Due(r.getLong("id"), r.getUUID("webhook_id"), r.getString("url"), r.getString("secret"),
                r.getUUID("event_id").toString(), r.getString("event_type"), r.getString("payload"), r.getInteger("attempts")));
          }
          return out;
        });
  }

  public Future<Void> delivered(long id) {
    return pool.preparedQuery("UPDATE webhook_delivery SET status = 'delivered', attempts = attempts + 1, last_attempt_at = now(), "
            + "done_at = now(), locked_until = NULL, last_error = NULL WHERE id = $1")
        .execute(Tuple.of(id)).mapEmpty();
  }

  /** An attempt failed: retried at {@code nextAttemptAt}, or given up ('failed') when that is null. */
  public Future<Void> attemptFailed(long id, String error, OffsetDateTime nextAttemptAt) {
    return pool.preparedQuery("UPDATE webhook_delivery SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2, "
            + "locked_until = NULL, status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, "
            + "next_attempt_at = COALESCE($3::timestamptz, next_attempt_at), "
            + "done_at = CASE WHEN $3::timestamptz IS NULL THEN now() ELSE NULL END WHERE id = $1")
        .execute(Tuple.of(id, error, nextAttemptAt == null ? null : nextAttemptAt.withOffsetSameInstant(ZoneOffset.UTC)))
        .mapEmpty();
  }

  /** Finished deliveries older than the retention are forgotten (the counters then restart from what is kept). */
  public Future<Integer> purge(int retentionHours) {
    return pool.preparedQuery("DELETE FROM webhook_delivery WHERE status <> 'pending' AND done_at < now() - make_interval(hours => $1)")
        .execute(Tuple.of(retentionHours)).map(rows -> rows.rowCount());
  }
}
