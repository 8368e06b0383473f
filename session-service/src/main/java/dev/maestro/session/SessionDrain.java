package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.platform.Settings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graceful drain of a session node (SIGTERM, see {@link dev.maestro.platform.ServiceMain}): the node's
 * live sessions go to the other nodes with no client-visible error.
 * <ol>
 *   <li>Its router activates nothing any more: a request for a session it does not hold (or is releasing)
 *       is handed, after the release, to another router through {@value Addresses#SESSION_ROUTERS}. This
 *       node's service consumers and its {@value Addresses#SESSION_ROUTERS} door leave the cluster's
 *       subscriptions but keep answering what still reaches them ({@link Withdrawal}: an unregistered
 *       consumer's late requests were dropped unanswered); the drain ends once they have been quiet.</li>
 *   <li>Every live session is held ({@link LiveCommand.Hold}): queued messages stop starting here. An idle
 *       one is released at once (owner entry removed, live_owner cleared).</li>
 *   <li>A running turn may finish within {@value #TIMEOUT} (default 30 s); sends meanwhile are queued as
 *       usual. Then the session is released and, when messages wait, activated on another node, which
 *       starts them.</li>
 *   <li>A turn whose only outstanding work is its user's decision on tool approvals (at the hold, or as
 *       soon as its other calls have finished) does not wait: its waiting state is stored
 *       ({@link ParkedTurns}), the session released and activated on another node at once, which asks for
 *       the same approvals (same call ids) and carries on. A turn with a running call — also one whose MCP
 *       server asks its user something (elicitation, input request), which lives on this node's call in
 *       tool-service — waits as before.</li>
 *   <li>At the timeout a session still busy is released the way an owner lets go mid-turn: the turn is
 *       stored as interrupted with what had streamed (as after a failover) and the next owner continues.</li>
 * </ol>
 * Session events are published per session ({@link Addresses#sessionEvents}), so subscribers keep
 * receiving from the new owner, seq contiguous (the release hands on the exact seq ceiling).
 */
final class SessionDrain {
  private static final Logger LOG = LoggerFactory.getLogger(SessionDrain.class);
  static final String TIMEOUT = "MAESTRO_DRAIN_TIMEOUT";
  private static final long POLL_MS = 100;
  private static final long HOLD_TIMEOUT_MS = 5_000;
  private static final int HAND_ON_ATTEMPTS = 20;

  private final Vertx vertx;
  private final SessionRouter router;
  private final RuntimeStore queue;
  private final long timeoutMs;
  private MessageConsumer<JsonObject> door;
  /** This node's service addresses (besides the door) that leave the cluster's subscriptions when it drains. */
  private final Set<String> services;
  /** Per session being released by the drain: completes once it is released (router context only). */
  private final Map<String, Promise<Void>> releases = new HashMap<>();
  private Future<Void> drained;
  /** Set when the drain starts: the door hands nothing to this router any more. */
  private volatile boolean draining;

  SessionDrain(Vertx vertx, SessionRouter router, RuntimeStore queue, JsonObject config, Set<String> services) {
    this.vertx = vertx;
    this.services = Set.copyOf(services);
    this.router = router;
    this.queue = queue;
    this.timeoutMs = (long) (Settings.of(config).decimal(TIMEOUT, 30, 0, 24 * 3600) * 1000);
  }

  /** Takes requests handed on by draining nodes (a router that takes new sessions). */
  Future<Void> open() {
    door = vertx.eventBus().consumer(Addresses.SESSION_ROUTERS, msg -> {
      if (draining) {
        // withdrawn, yet a sender's view (this node's own, too) may still name it: it takes nothing, so the
        // sender tries again elsewhere (elsewhere() retries NO_HANDLERS) instead of the request coming back here
        msg.reply(new ReplyException(ReplyFailure.NO_HANDLERS, "this session node drains"));
        return;
      }
      JsonObject body = msg.body();
      // the map, not this node's owner cache: the cache may still name the draining router
      router.callHandedOn(body.getString("sessionId"), body.getJsonObject("command"), body.getLong("timeoutMs", 12_000L))
          .onSuccess(msg::reply)
          .onFailure(err -> SessionRouter.fail(msg, err));
    });
    return door.completion();
  }

  /** The drain (idempotent); completes when no session is live here any more. */
  Future<Void> drain() {
    return router.onRouterContext(() -> {
      if (drained != null) return drained;
      long t0 = System.currentTimeMillis();
      long deadline = t0 + timeoutMs;
      router.draining(this);
      draining = true;
      Set<String> addresses = new HashSet<>(services);
      if (door != null) addresses.add(Addresses.SESSION_ROUTERS);
      Withdrawal withdrawal = new Withdrawal(vertx, addresses);
      drained = withdrawal.start().transform(ar -> router.onRouterContext(() -> {
        List<String> ids = router.liveIds();
        LOG.info("draining: handing on {} live session(s) (turns may finish within {} ms)", ids.size(), timeoutMs);
        List<Future<Boolean>> all = new ArrayList<>();
        for (String id : ids) all.add(handOff(id, deadline));
        return Future.join(all).transform(x -> {
          Set<String> busy = new HashSet<>();
          for (int i = 0; i < ids.size(); i++) if (Boolean.TRUE.equals(all.get(i).result())) busy.add(ids.get(i));
          return startQueues(busy);
        });
      })).transform(ar -> withdrawal.quiet()).onComplete(ar -> LOG.info("drained in {} ms", System.currentTimeMillis() - t0));
      return drained;
    });
  }

  /** How the hold of one session ended: a turn ran at some point; its turn was parked for the next owner. */
  private record Held(boolean wasBusy, boolean parked) {}

  /** Holds, waits while busy (up to the deadline), releases; → whether a turn ran at some point. */
  private Future<Boolean> handOff(String sessionId, long deadline) {
    return hold(sessionId, deadline, false).compose(held -> {
      Promise<Void> released = releases.computeIfAbsent(sessionId, k -> Promise.promise());
      // a session still busy here has passed the deadline: stopping it stores the turn as interrupted
      return router.passivateNow(sessionId).transform(ar -> {
        if (ar.failed()) LOG.warn("session {}: release failed: {}", sessionId, ar.cause().getMessage());
        released.tryComplete();
        if (!held.parked()) return Future.succeededFuture(held.wasBusy());
        // the turn waits for its user: the next owner takes it now, so its approvals are live there at once
        return elsewhere(sessionId, LiveCommand.toJson(new LiveCommand.State()), 12_000, 0).transform(activated -> {
          if (activated.failed()) {
            LOG.info("session {}: the turn waiting for approval goes on at the next activation: {}", sessionId,
                activated.cause().getMessage());
          }
          return Future.succeededFuture(false);
        });
      });
    });
  }

  private Future<Held> hold(String sessionId, long deadline, boolean wasBusy) {
    return router.deliver(sessionId, LiveCommand.toJson(new LiveCommand.Hold()), HOLD_TIMEOUT_MS).transform(ar -> {
      if (ar.succeeded() && ar.result().getBoolean("parked", false)) return Future.succeededFuture(new Held(true, true));
      boolean busy = ar.succeeded() && ar.result().getBoolean("busy", false);
      if (!busy) return Future.succeededFuture(new Held(wasBusy, false));
      if (System.currentTimeMillis() >= deadline) {
        LOG.info("session {}: turn {} still running at the drain timeout; it is stored as interrupted", sessionId,
            ar.result().getString("turnId"));
        return Future.succeededFuture(new Held(true, false));
      }
      Promise<Held> next = Promise.promise();
      vertx.setTimer(POLL_MS, t -> router.onRouterContext(() -> hold(sessionId, deadline, true)).onComplete(next));
      return next.future();
    });
  }

  /** Sessions that had a turn here and have messages waiting: activated on another node, which starts them. */
  private Future<Void> startQueues(Set<String> handed) {
    if (handed.isEmpty()) return Future.succeededFuture();
    return queue.sessionsWithQueue().compose(rows -> {
      List<Future<JsonObject>> all = new ArrayList<>();
      for (String[] r : rows) {
        if (!handed.contains(r[0])) continue;
        all.add(elsewhere(r[0], LiveCommand.toJson(new LiveCommand.Runtime(new JsonObject().put("op", "drain"))), 12_000, 0)
            .onFailure(e -> LOG.info("session {}: queued messages wait for the next activation: {}", r[0], e.getMessage())));
      }
      return Future.join(all).<Void>mapEmpty();
    }).recover(e -> Future.succeededFuture());
  }

  // ------------------------------------------------------------------ requests while draining

  /** SessionRouter#call while draining: to the owner elsewhere, to the live copy here, or handed on. */
  Future<JsonObject> route(String sessionId, JsonObject command, long timeoutMs) {
    return router.currentOwner(sessionId).compose(owner -> {
      if (owner == null || owner.equals(router.ownerId())) return router.local(sessionId, command, timeoutMs);
      return router.forward(owner, sessionId, command, timeoutMs).recover(err -> noHandlers(err)
          ? elsewhere(sessionId, command, timeoutMs, 0) : Future.failedFuture(err));
    });
  }

  /** SessionRouter#local while draining (router context): a session still held here runs it, else it goes on. */
  Future<JsonObject> local(String sessionId, JsonObject command, long timeoutMs) {
    Promise<Void> released = releases.get(sessionId);
    if (released == null && router.isLive(sessionId)) {
      return router.deliver(sessionId, command, timeoutMs).recover(err -> {
        // the session was handed off (or stopped) meanwhile: after its release the next owner answers
        if (!isMoved(err) && !noHandlers(err)) return Future.failedFuture(err);
        Promise<Void> r = releases.get(sessionId);
        Future<Void> after = r == null ? router.left(sessionId) : r.future();
        return after.transform(x -> elsewhere(sessionId, command, timeoutMs, 0));
      });
    }
    Future<Void> after = released != null ? released.future() : router.left(sessionId);
    return after.transform(x -> elsewhere(sessionId, command, timeoutMs, 0));
  }

  /** To a router that takes sessions; retried briefly while the cluster learns of the others' subscriptions. */
  private Future<JsonObject> elsewhere(String sessionId, JsonObject command, long timeoutMs, int attempt) {
    JsonObject body = new JsonObject().put("sessionId", sessionId).put("command", command).put("timeoutMs", timeoutMs);
    return vertx.eventBus().<JsonObject>request(Addresses.SESSION_ROUTERS, body, new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(m -> m.body())
        .recover(err -> {
          if (!noHandlers(err)) return Future.failedFuture(err);
          if (attempt + 1 >= HAND_ON_ATTEMPTS) {
            return Fail.unavailable("this session node is shutting down and no other session node takes sessions");
          }
          Promise<JsonObject> p = Promise.promise();
          vertx.setTimer(POLL_MS, t -> elsewhere(sessionId, command, timeoutMs, attempt + 1).onComplete(p));
          return p.future();
        });
  }

  /** What a held, idle session answers: the request goes to the next owner. */
  static Future<JsonObject> moved(String sessionId) {
    return Future.failedFuture(new ServiceException(ErrorCodes.UNAVAILABLE, "session " + sessionId + " is moving to another node",
        new JsonObject().put("moved", true)));
  }

  private static boolean isMoved(Throwable err) {
    return err instanceof ServiceException se && se.getDebugInfo() != null && se.getDebugInfo().getBoolean("moved", false);
  }

  private static boolean noHandlers(Throwable err) {
    return err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
  }
}
