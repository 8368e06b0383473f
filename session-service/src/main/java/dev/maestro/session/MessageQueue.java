package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The messages a user sent to one live session while it was busy (issue 16). Each is stored before
 * it is acknowledged ({@link RuntimeStore#enqueue}); a queued one starts as the next turn when the
 * running one ends, in order; a steered one joins the running turn before its next model round
 * (after the current tool results), or starts a turn of its own when the turn ended first. A message
 * keeps its id when it becomes the user message, so a new owner after a crash can tell started rows
 * from waiting ones ({@link RuntimeStore#recover}). Lives on the session's context.
 */
final class MessageQueue {
  private static final Logger LOG = LoggerFactory.getLogger(MessageQueue.class);
  private static final long RETRY_MS = 2_000;
  /** Messages that may wait in one session: a client cannot pile up rows without end. */
  static final int MAX_WAITING = 100;

  private final LiveState live;
  private final SessionStore sessions;
  private final RuntimeStore store;
  private final TurnLoop turns;
  private final BooleanSupplier compacting;
  private final Vertx vertx;
  private boolean draining;
  private boolean stopped;
  private long retryTimer = -1;
  /**
   * Issue 14: whether a message may wait (any mode) / a steered one may wait. Only this owner stores
   * them (submit), so after the claim found none nothing is read per turn or per round until the next
   * submit; true at activation (a previous owner's rows) and whenever a claimed row goes back.
   */
  private boolean mayWait = true;
  private boolean steersMayWait = true;

  MessageQueue(LiveState live, SessionStore sessions, RuntimeStore store, TurnLoop turns, BooleanSupplier compacting, Vertx vertx) {
    this.live = live;
    this.sessions = sessions;
    this.store = store;
    this.turns = turns;
    this.compacting = compacting;
    this.vertx = vertx;
  }

  /** At activation: what a previous owner left half-done is settled, then waiting messages start. */
  Future<Void> recover() {
    return store.recover(live.sessionId, live.fence.epoch).onSuccess(v -> drain());
  }

  /** Stores the message (acknowledged once stored), publishes message_queued and starts it when the session is idle. */
  Future<JsonObject> submit(String text, String mode) {
    return store.enqueue(live.sessionId, live.session.getString("userId"), mode, text, MAX_WAITING).compose(row -> {
      if (row == null) {
        return Fail.<JsonObject>tooMany(MAX_WAITING + " messages already wait in this session; remove some or wait for them to start");
      }
      String id = row.getString("id");
      mayWait = true;
      if (RuntimeStore.STEER.equals(mode)) steersMayWait = true;
      live.publish(new JsonObject().put("type", "message_queued").put("messageId", id).put("mode", mode));
      // (after the reply: a session idle now starts the message at once, through the queue so order holds)
      vertx.runOnContext(v -> drain());
      return Future.succeededFuture(new JsonObject().put("messageId", id).put("mode", mode).put("queued", true));
    });
  }

  /**
   * Before a model round of turn turnId: every steered message joins the turn as a user message,
   * oldest first, after what the turn has so far (the tool results of the last round).
   */
  Future<Void> injectSteers(String turnId) {
    if (stopped || !steersMayWait) return Future.succeededFuture();
    steersMayWait = false;
    return store.claimSteers(live.sessionId, live.fence.epoch).onFailure(e -> steersMayWait = true).compose(rows -> inject(turnId, rows, 0));
  }

  private Future<Void> inject(String turnId, List<JsonObject> rows, int i) {
    if (i == rows.size()) return Future.succeededFuture();
    JsonObject row = rows.get(i);
    if (!turnId.equals(turns.turnId())) {
      // the turn ended meanwhile: the rest wait for a turn of their own
      mayWait = true;
      steersMayWait = true;
      return Future.join(rows.subList(i, rows.size()).stream().map(r -> store.unclaim(r.getString("id"), live.fence.epoch)).toList()).mapEmpty();
    }
    JsonObject user = live.history.newMessage(Messages.USER, turnId, Messages.textContent(row.getString("text")), SessionEvents.COMPLETE);
    user.put("id", row.getString("id"));
    return sessions.insertMessage(live.sessionId, user, live.fence)
        .recover(err -> {
          live.history.unreserve();
          mayWait = true;
          steersMayWait = true;
          return store.unclaim(row.getString("id"), live.fence.epoch).transform(ar -> Future.failedFuture(err));
        })
        .compose(v -> {
          live.history.add(user);
          live.publish(SessionEvents.messageStarted(user.getString("id"), Messages.USER).put("mode", RuntimeStore.STEER)
              .put("text", row.getString("text")));
          return store.done(row.getString("id"));
        })
        .compose(v -> inject(turnId, rows, i + 1));
  }

  /** Starts the oldest waiting message as a turn when the session is idle (after each turn, and on submit). */
  void drain() {
    if (stopped || draining || !mayWait || turns.turnId() != null) return;
    if (compacting.getAsBoolean()) {
      retryLater();
      return;
    }
    draining = true;
    store.claimNext(live.sessionId, live.fence.epoch).compose(row -> {
      if (row == null) {
        mayWait = false;
        return Future.succeededFuture();
      }
      String id = row.getString("id");
      // the owner let go while the claim ran: the message waits for the next owner
      if (stopped) return store.unclaim(id, live.fence.epoch);
      return turns.send(row.getString("text"), id)
          .compose(started -> {
            // clients that were not there when it was queued learn its text here (after turn_started)
            live.publish(SessionEvents.messageStarted(id, Messages.USER).put("mode", row.getString("mode")).put("text", row.getString("text")));
            return store.done(id);
          })
          .recover(err -> store.unclaim(id, live.fence.epoch).transform(ar -> {
            mayWait = true;
            // busy (a turn started meanwhile, the user's turn limit): it waits; anything else is retried later too
            boolean busy = err instanceof ServiceException se && se.failureCode() == ErrorCodes.CONFLICT;
            if (!busy) {
              LOG.info("session {}: queued message {} cannot start yet: {}", live.sessionId, id, err.getMessage());
              retryLater();
            }
            return Future.succeededFuture();
          }));
    }).onComplete(ar -> {
      draining = false;
      if (ar.failed()) {
        LOG.warn("session {}: cannot read its queue: {}", live.sessionId, ar.cause().getMessage());
        retryLater();
      }
    });
  }

  private void retryLater() {
    if (stopped || retryTimer >= 0) return;
    retryTimer = vertx.setTimer(RETRY_MS, t -> {
      retryTimer = -1;
      drain();
    });
  }

  /** The owner lets go: nothing starts any more here (a next owner picks the queue up). */
  void stop() {
    stopped = true;
    if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
  }

  boolean stopped() {
    return stopped;
  }
}
