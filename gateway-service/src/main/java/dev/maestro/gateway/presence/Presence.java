package dev.maestro.gateway.presence;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Which sessions are open in which clients, in Redis so every gateway sees every socket: one sorted
 * set per session, member {@code <connectionId>|<client>}, score = expiry time (ms). Gateways
 * refresh their sockets' entries on every heartbeat; a crashed gateway's entries simply expire.
 * Any Redis failure degrades to "unknown" (null) — never an error for the caller.
 */
public class Presence {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Presence.class);
  static final long TIMEOUT_MS = 500;

  private final Vertx vertx;
  private final Redis redis;
  private final long ttlMs;

  public record Entry(String sessionId, String connectionId, String client) {}

  private boolean down;
  private Runnable onRecovered = () -> { };

  /** Called (on the caller's context) the first time Redis answers again after any failure. */
  public void onRecovered(Runnable action) {
    this.onRecovered = action;
  }

  /** Whether the last Redis call failed: presence reads as unknown until one succeeds. */
  public boolean down() {
    return down;
  }

  private <T> Future<T> track(Future<T> op, T fallback) {
    return op.timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).map(v -> {
      if (down) {
        down = false;
        LOG.info("presence: Redis answers again");
        onRecovered.run();
      }
      return v;
    }).otherwise(err -> {
      if (!down) LOG.warn("presence: Redis unavailable ({}); openIn reads null until it returns", err.getMessage());
      down = true;
      return fallback;
    });
  }

  public Presence(Vertx vertx, Redis redis, int ttlSeconds) {
    this.vertx = vertx;
    this.redis = redis;
    this.ttlMs = ttlSeconds * 1000L;
  }

  static String key(String sessionId) {
    return "maestro:presence:" + sessionId;
  }

  /** Adds or refreshes entries → true when Redis took them. */
  public Future<Boolean> refresh(List<Entry> entries) {
    if (entries.isEmpty()) return Future.succeededFuture(true);
    long expiry = System.currentTimeMillis() + ttlMs;
    List<Request> batch = new ArrayList<>();
    for (Entry e : entries) {
      batch.add(Request.cmd(Command.ZADD).arg(key(e.sessionId())).arg(expiry).arg(e.connectionId() + "|" + e.client()));
      batch.add(Request.cmd(Command.PEXPIRE).arg(key(e.sessionId())).arg(ttlMs * 2));
    }
    return track(redis.batch(batch).map(true), false);
  }

  public Future<Void> join(Entry e) {
    return refresh(List.of(e)).compose(ok -> ok ? announce(e.sessionId()) : Future.succeededFuture());
  }

  public Future<Void> leave(Entry e) {
    return track(redis.send(Request.cmd(Command.ZREM).arg(key(e.sessionId())).arg(e.connectionId() + "|" + e.client())).map(true), false)
        .compose(ok -> ok ? announce(e.sessionId()) : Future.succeededFuture());
  }

  /** sessionId → sorted distinct clients, or null for every id when Redis cannot answer. */
  public Future<Map<String, JsonArray>> openIn(List<String> sessionIds) {
    Map<String, JsonArray> unknown = new HashMap<>();
    sessionIds.forEach(id -> unknown.put(id, null));
    if (sessionIds.isEmpty()) return Future.succeededFuture(unknown);
    String now = String.valueOf(System.currentTimeMillis());
    List<Request> batch = new ArrayList<>();
    for (String id : sessionIds) {
      batch.add(Request.cmd(Command.ZREMRANGEBYSCORE).arg(key(id)).arg("-inf").arg(now));
      batch.add(Request.cmd(Command.ZRANGE).arg(key(id)).arg(0).arg(-1));
    }
    return track(redis.batch(batch).map(responses -> {
      Map<String, JsonArray> result = new HashMap<>();
      for (int i = 0; i < sessionIds.size(); i++) {
        Response members = responses.get(2 * i + 1);
        TreeSet<String> clients = new TreeSet<>();
        if (members != null) for (Response m : members) {
          String s = m.toString();
          clients.add(s.substring(s.indexOf('|') + 1));
        }
        result.put(sessionIds.get(i), new JsonArray(new ArrayList<>(clients)));
      }
      return result;
    }), unknown);
  }

  /**
   * Publishes {@code {type:"event", sessionId, event:{type:"presence", openIn}}} to the gateways
   * ({@link Addresses#GATEWAY_PRESENCE}), which hand it to their sockets following the session. Presence is not part of the resumable stream, so it carries no {@code seq}.
   */
  public Future<Void> announce(String sessionId) {
    return openIn(List.of(sessionId)).map(m -> {
      JsonArray open = m.get(sessionId);
      if (open != null) {
        // to every gateway's one presence consumer, which hands it to the sockets following the session there
        vertx.eventBus().publish(Addresses.GATEWAY_PRESENCE, SessionEvents.encode(new JsonObject().put("type", "event")
            .put("sessionId", sessionId).put("event", SessionEvents.presence(open))), SessionEvents.headers(sessionId, -1, -1));
      }
      return null;
    });
  }
}
