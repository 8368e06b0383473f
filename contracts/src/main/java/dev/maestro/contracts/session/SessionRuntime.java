package dev.maestro.contracts.session;

import dev.maestro.contracts.Addresses;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;

/**
 * The session runtime of issue 16, served by session-service beside {@link SessionService}: messages
 * queued or steered while a turn runs, the "running now" list, and "allow for this session". Every
 * call checks that the session belongs to userId; another user's session or message answers
 * NOT_FOUND exactly like a missing one.
 */
@ProxyGen
@VertxGen
public interface SessionRuntime {
  String ADDRESS = Addresses.SESSION_RUNTIME;

  /** mode: "queue" (the next turn after the running one) or "steer" (joins the running turn). */
  String QUEUE = "queue";
  String STEER = "steer";

  static SessionRuntime createProxy(Vertx vertx) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(15_000)).build(SessionRuntime.class);
  }

  /**
   * Stores the message (acknowledged = stored in PostgreSQL) → {messageId, mode, queued:true}; event
   * message_queued {messageId, mode}; it starts as a turn (queue) or joins the running one (steer).
   */
  Future<JsonObject> submit(String userId, String sessionId, String text, String mode);

  /** → {items:[{id, mode, text, position, createdAt, updatedAt}]}: messages not started yet, oldest first. */
  Future<JsonObject> listQueue(String userId, String sessionId);

  /** Changes a waiting message's text → the message; NOT_FOUND once it started. */
  Future<JsonObject> editQueued(String userId, String sessionId, String messageId, String text);

  /** Removes a waiting message; NOT_FOUND once it started. */
  Future<Void> removeQueued(String userId, String sessionId, String messageId);

  /**
   * The user's runs → {items:[{sessionId, title, status, turnId?, startedAt?, waitingSince?, queued}]};
   * status filter: running | waiting_approval | queued, or null for all.
   */
  Future<JsonObject> runs(String userId, String status);

  /** Allows a waiting call, and every later call of the same tool in this session, without asking. */
  Future<JsonObject> allowForSession(String userId, String sessionId, String callId);
}
