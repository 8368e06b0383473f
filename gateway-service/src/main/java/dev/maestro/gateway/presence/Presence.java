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
  static final long TIMEOUT_MS = 500;

  private final Vertx vertx;
  private final Redis redis;
  private final long ttlMs;

  public record Entry(String sessionId, String connectionId, String client) {}

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
    return redis.batch(batch).timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).map(true).otherwise(false);
  }

  public Future<Void> join(Entry e) {
    return refresh(List.of(e)).compose(ok -> ok ? announce(e.sessionId()) : Future.succeededFuture());
  }

  public Future<Void> leave(Entry e) {
    return redis.send(Request.cmd(Command.ZREM).arg(key(e.sessionId())).arg(e.connectionId() + "|" + e.client()))
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(r -> announce(e.sessionId()))
        .otherwise((Void) null);
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
    return redis.batch(batch).timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).map(responses -> {
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
    }).otherwise(unknown);
  }

  /**
   * Publishes {@code {type:"event", sessionId, event:{type:"presence", openIn}}} on the session's
   * event address. Presence is not part of the resumable stream, so it carries no {@code seq}.
   */
  public Future<Void> announce(String sessionId) {
    return openIn(List.of(sessionId)).map(m -> {
      JsonArray open = m.get(sessionId);
      if (open != null) {
        vertx.eventBus().publish(Addresses.sessionEvents(sessionId), new JsonObject().put("type", "event")
            .put("sessionId", sessionId).put("event", SessionEvents.presence(open)));
      }
      return null;
    });
  }
}
