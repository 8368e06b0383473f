package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Predicate;


/**
 * The one live owner of a session: activates it from PostgreSQL, serves its {@link LiveCommand}s,
 * routes provider events to its streams and lets go when idle. The work is done by its parts:
 * {@link TurnLoop} (turns, with a {@link ToolGate} each), {@link Compactor}, {@link ProviderStreams}
 * and {@link EventLog}. Deployed on demand by {@link SessionRouter}; everything it needs survives in
 * PostgreSQL, so a new owner (here or on another node) picks up where it left.
 */
public class SessionVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SessionVerticle.class);

  void runtime(SessionRuntimeParts.Shared shared) {
    this.runtimeShared = shared;
  }

  static String commandAddress(String sessionId) {
    return Addresses.sessionCommand(sessionId);
  }

  /**
   * Where provider events for this live copy of the session arrive. It names the owner too: after a
   * takeover a stale registration of the previous owner may still be in the cluster's subscription
   * map, and point-to-point sends to a shared address would be split between the two copies.
   */
  static String streamAddress(String sessionId, String ownerId) {
    return Addresses.sessionProviderStream(sessionId, ownerId);
  }

  private final String sessionId;
  private final String ownerId;
  private final SessionStore store;
  private final ProviderService provider;
  private final ToolService tools;
  private final AuthService auth;
  private final ModelTable models;
  private final SessionSettings settings;
  private final Predicate<String> ownerAlive;
  private final Runnable onIdle;

  private LiveState live;
  private long reservedCeiling;
  private Compactor compactor;
  private TurnLoop turns;
  private SendKeys sendKeys;
  private boolean claimed;
  /** This copy's owner epoch (set by the claim, before anything is loaded). */
  private OwnerFence fence;
  private long lastActivity = System.currentTimeMillis();
  private long idleTimer = -1;
  /** Issue 16: queue, steer, plan mode, approvals (null shared: not configured, e.g. some unit tests). */
  private SessionRuntimeParts.Shared runtimeShared;
  private SessionRuntimeParts runtime;
  /** The node drains and this session is idle: it is about to be released, every command goes to the next owner. */
  private boolean handedOff;
  /** The waiting state of a turn being stored for the next owner (drain): commands wait for it (null: none). */
  private Future<JsonObject> parking;
  private ParkedTurns parkedTurns;
  /** A turn a draining owner handed over, taken at activation: {turnId, state} (null: none). */
  private JsonObject takenOver;

  SessionVerticle(String sessionId, String ownerId, SessionStore store, ProviderService provider, ToolService tools,
                  AuthService auth, ModelTable models, SessionSettings settings, Predicate<String> ownerAlive, Runnable onIdle) {
    this.sessionId = sessionId;
    this.ownerId = ownerId;
    this.store = store;
    this.provider = provider;
    this.tools = tools;
    this.auth = auth;
    this.models = models;
    this.settings = settings;
    this.ownerAlive = ownerAlive;
    this.onIdle = onIdle;
  }

  @Override
  public Future<?> start() {
    // the loading waits for this node's admission like a turn start: a burst of first sends activates as many
    // sessions at once (issue 14)
    return store.admitted(this::load)
        .compose(this::goLive)
        .onSuccess(v -> {
          touch();
          // followers of this session (on any node) follow this copy from now on (SessionInbox)
          vertx.eventBus().publish(Addresses.SESSION_ACTIVATED, new JsonObject().put("sessionId", sessionId)
              .put("owner", ownerId).put("epoch", fence.epoch));
          // not part of the start: an activation must not take longer (the idle check runs already)
          if (runtime != null) runtime.start().onFailure(e -> LOG.warn("session {}: cannot load its queue: {}", sessionId, e.getMessage()));
        })
        .recover(err -> {
          // a failed activation must not keep its claim on one of the user's live slots
          Future<Void> release = claimed ? store.releaseLive(sessionId, ownerId) : Future.succeededFuture();
          return release.transform(ar -> Future.failedFuture(err));
        });
  }

  /** The session's row, its claim, its interrupted turns and its live history: the turns interrupted. */
  private Future<java.util.List<String>> load() {
    return store.session(null, sessionId)
        // the user's live sessions are counted (and this one claimed) before anything is loaded
        // the claim takes the next owner epoch and reserves the first block of seq numbers (issue 17)
        .compose(s -> store.claimLive(s.getString("userId"), sessionId, ownerId, settings.maxLivePerUser(), ownerAlive,
                EventLog.RESERVE)
            .map(claim -> {
              claimed = true;
              fence = new OwnerFence(sessionId, claim.epoch());
              LOG.debug("session {}: claimed by {} with owner epoch {}", sessionId, ownerId, claim.epoch());
              reservedCeiling = claim.seqStart() + EventLog.RESERVE;
              return s;
            }))
        // a turn a draining owner parked is taken (not interrupted): it goes on here once the history is loaded
        .compose(s -> store.interruptRunning(sessionId, fence)
            .compose(interrupted -> parkedTurns().take(sessionId, ownerId, fence).map(parked -> {
              takenOver = parked;
              return interrupted;
            }))
            .compose(interrupted -> store.liveHistory(sessionId).map(stored -> {
              long start = reservedCeiling - EventLog.RESERVE;
              EventLog events = new EventLog(sessionId, vertx.eventBus(), start, reservedCeiling, settings.heldEvents(),
                  settings.heldTurnEvents(), c -> {
                    reservedCeiling = c;
                    // refused once another owner has a newer epoch: the events past the old ceiling never go out
                    store.setSeqCeiling(sessionId, c, fence).onSuccess(v -> live.events.confirmed(c)).onFailure(e -> {
                      if (!OwnerFence.isStale(e)) live.events.reservationFailed();
                      LOG.warn("session {}: cannot reserve seq numbers: {}", sessionId, e.getMessage());
                    });
                  }, fence.epoch);
              live = new LiveState(sessionId, ownerId, s, new LiveHistory(stored), events, ownerAlive, fence,
                  new TurnEnds(store, sessionId, fence.epoch, start));
              return interrupted;
            })));
  }

  /** Loaded: the parts, the consumers and the idle check. */
  private Future<?> goLive(java.util.List<String> interrupted) {
    ProviderStreams streams = new ProviderStreams(provider, streamAddress(sessionId, ownerId), System::currentTimeMillis)
        .requester(dev.maestro.platform.DeadRequesterWatch.localNode(vertx))
        .servers(dev.maestro.platform.DeadRequesterWatch.shared(vertx));
    compactor = new Compactor(live, store, streams, models, settings, vertx, this::touch);
    turns = new TurnLoop(live, store, streams, tools, compactor, new CredentialCheck(auth, CredentialCheck.generation(vertx)), models, settings, vertx, this::touch);
    if (runtimeShared != null) runtime = SessionRuntimeParts.attach(runtimeShared, live, store, turns, compactor::running, vertx);
    sendKeys = new SendKeys(store.pool(), sessionId);
    fence.onStale(this::fenced);
    // a turn that was in flight on a dead owner ends here, visibly
    for (String turnId : interrupted) {
      LOG.info("session {}: turn {} was interrupted (its owner went away)", sessionId, turnId);
      live.publishTurnEnd(turnId, SessionEvents.INTERRUPTED);
    }
    if (takenOver != null) turns.resume(takenOver.getString("turnId"), takenOver.getJsonObject("state"));
    MessageConsumer<JsonObject> commands = vertx.eventBus().localConsumer(commandAddress(sessionId), this::onCommand);
    MessageConsumer<JsonObject> stream = vertx.eventBus().consumer(streamAddress(sessionId, ownerId), m -> streams.dispatch(m.body(), m.headers().get(dev.maestro.contracts.provider.ProviderEvents.NODE_HEADER)));
    long period = Math.min(Math.min(settings.idleTimeoutMs(), settings.streamIdleTimeoutMs()) / 2, 10_000);
    idleTimer = vertx.setPeriodic(Math.max(250, period), t -> checkIdle());
    return Future.all(commands.completion(), stream.completion());
  }

  @Override
  public Future<?> stop() {
    if (idleTimer >= 0) vertx.cancelTimer(idleTimer);
    if (runtime != null) runtime.stop();
    Future<Void> endTurn = turns == null ? Future.succeededFuture() : turns.interrupt();
    long reserved = reservedCeiling;
    // the next owner continues at lastSeq + 1, unless another owner took over meanwhile; lastSeq is read once
    // the turn has ended: its turn_completed(interrupted) is published after the message is stored
    return endTurn.recover(e -> Future.succeededFuture())
        // the end just published is stored before the next owner (which may read it) can activate
        .compose(v -> live == null ? Future.succeededFuture() : live.ends.recorded())
        .compose(v -> {
          long exact = live == null ? -1 : live.events.lastSeq();
          return exact < 0 ? Future.succeededFuture() : store.releaseSeqCeiling(sessionId, exact, reserved, fence.epoch);
        })
        .recover(e -> Future.succeededFuture())
        .compose(v -> claimed ? store.releaseLive(sessionId, ownerId) : Future.succeededFuture())
        .recover(e -> {
          LOG.warn("session {}: cannot release its live slot: {}", sessionId, e.getMessage());
          return Future.succeededFuture();
        });
  }

  /**
   * Another node activated this session (a newer owner epoch): this copy publishes nothing more, stops
   * its provider stream and running tools and undeploys. Its remaining writes are refused in SQL.
   */
  private void fenced() {
    live.events.fence();
    // (first: the end of the interrupted turn must not start a queued message)
    if (runtime != null) runtime.stop();
    if (turns != null) turns.interrupt();
    onIdle.run();
  }

  private void touch() {
    lastActivity = System.currentTimeMillis();
  }

  private void checkIdle() {
    if (turns.turnId() == null && !compactor.running() && System.currentTimeMillis() - lastActivity > settings.idleTimeoutMs()) {
      vertx.cancelTimer(idleTimer);
      idleTimer = -1;
      onIdle.run();
    }
    turns.checkStream();
  }

  private void onCommand(Message<JsonObject> msg) {
    Future<JsonObject> result;
    LiveCommand cmd = null;
    try {
      cmd = LiveCommand.fromJson(msg.body());
      // a follower's lease renewal is no activity: a followed session still passivates when idle
      if (!isFollow(cmd)) touch();
      // a copy that learnt it is stale answers nothing while it undeploys; one handed off by a drain says where
      Future<JsonObject> parked = parking;
      if (parked != null && !parked.isComplete() && !(cmd instanceof LiveCommand.Hold) && !isFollow(cmd)) {
        // the waiting turn is being stored for the next owner: an approval must reach exactly one of the two
        LiveCommand waiting = cmd;
        result = parked.transform(ar -> handedOff ? SessionDrain.moved(sessionId) : run(waiting));
      } else {
        result = fence.stale() ? OwnerFence.staleOwner()
            : handedOff && !(cmd instanceof LiveCommand.Hold) && !isFollow(cmd) ? SessionDrain.moved(sessionId) : run(cmd);
      }
    } catch (IllegalArgumentException e) {
      result = cmd == null ? Fail.invalid("op", "unknown command") : Future.failedFuture(e);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    String what = cmd == null ? msg.body().getString("op") : cmd.getClass().getSimpleName();
    result.onSuccess(msg::reply).onFailure(err -> {
      if (err instanceof ServiceException) SessionRouter.fail(msg, err);
      else if (err instanceof ReplyException re) msg.fail(re.failureCode(), re.getMessage());
      else {
        // the detail goes to the log under a ref; the caller gets the generic answer (ServiceFailures)
        LOG.warn("session {}: command {} failed", sessionId, what);
        SessionRouter.fail(msg, dev.maestro.platform.ServiceFailures.internal("session-service", err));
      }
    });
  }

  private Future<JsonObject> run(LiveCommand cmd) {
    if (cmd instanceof LiveCommand.AsUser a) {
      // the row kept live answers who may use it (a session's user never changes); another user's: as if missing
      if (!a.userId().equals(live.stored.getString("userId"))) return Fail.notFound("session " + sessionId);
      return run(a.command());
    }
    if (cmd instanceof LiveCommand.SessionChanged c) {
      // a running turn keeps the copy it began with; the next turn (and the next round's mode) uses this
      if (c.session() != null && sessionId.equals(c.session().getString("id"))) live.stored = c.session();
      return Future.succeededFuture(new JsonObject());
    }
    if (cmd instanceof LiveCommand.Send s && s.idempotencyKey() != null) {
      return sendKeys.send(s.idempotencyKey(), () -> turns.sendKeyed(s.text(), s.idempotencyKey()));
    }
    if (cmd instanceof LiveCommand.Send s) return turns.send(s.text(), s.attachments());
    if (cmd instanceof LiveCommand.Cancel) return turns.cancel().map(new JsonObject());
    if (cmd instanceof LiveCommand.Approve a) {
      return turns.approve(a.callId(), a.decision()).onSuccess(r -> live.lifecycle.approvalAnswered(a.callId(), a.decision()));
    }
    if (cmd instanceof LiveCommand.Elicit e) return turns.elicit(e.request());
    if (cmd instanceof LiveCommand.AnswerElicitation a) return turns.answerElicitation(a.elicitationId(), a.action(), a.content());
    if (cmd instanceof LiveCommand.Events e) {
      return live.ends.withEarlier(e.afterSeq(), live.events.after(e.afterSeq())).map(items -> new JsonObject().put("items", items));
    }
    if (cmd instanceof LiveCommand.Follow f) return follow(f);
    if (cmd instanceof LiveCommand.Compact) return turns.compact();
    if (cmd instanceof LiveCommand.Hold) return hold();
    if (cmd instanceof LiveCommand.Runtime r) return runtime == null ? Fail.unavailable("no session runtime") : runtime.handle(r.body());
    if (cmd instanceof LiveCommand.State) {
      return Future.succeededFuture(new JsonObject().put("lastSeq", live.events.lastSeq()).put("turnId", turns.turnId())
          .put("owner", ownerId).put("epoch", fence.epoch).put("heldEvents", live.events.heldCount())
          .put("followers", live.events.followers().size()));
    }
    if (cmd instanceof LiveCommand.Evict) {
      // nothing queued starts while it goes (a turn start now sends its request before the rows are checked)
      if (runtime != null) runtime.stop();
      return turns.cancel().map(v -> {
        onIdle.run();
        return new JsonObject();
      });
    }
    return Fail.invalid("op", "unknown command");
  }

  private static boolean isFollow(LiveCommand cmd) {
    return cmd instanceof LiveCommand.Follow || cmd instanceof LiveCommand.AsUser a && a.command() instanceof LiveCommand.Follow;
  }

  /**
   * Registers, renews or ends a node's lease (issue 14). The held events after afterSeq are read in the same
   * tick as the lease starts, so a follower that lost track (a new owner) gets every event once: held ones
   * here, later ones sent to its inbox. A follower coming from before this copy's first seq also gets the
   * turn ends earlier owners published meanwhile ({@link TurnEnds}), first.
   */
  private Future<JsonObject> follow(LiveCommand.Follow f) {
    dev.maestro.platform.SessionFollowers followers = live.events.followers();
    if (f.unfollow()) followers.unfollow(f.inbox(), f.token());
    else followers.follow(f.inbox(), f.token());
    JsonObject answer = new JsonObject().put("live", true).put("owner", ownerId).put("epoch", fence.epoch)
        .put("lastSeq", live.events.lastSeq()).put("leaseMs", followers.leaseMs());
    if (f.afterSeq() == null || f.unfollow()) return Future.succeededFuture(answer);
    // (the held events are read now, with the lease; the earlier owners' turn ends, all older, join them)
    return live.ends.withEarlier(f.afterSeq(), live.events.after(f.afterSeq())).map(items -> answer.put("items", items));
  }

  /**
   * See {@link LiveCommand.Hold}: a running turn may finish; nothing new starts. A turn that only waits for
   * its user's approvals is parked instead: its waiting state is stored for the next owner and the session
   * is handed off at once ({"parked": true}).
   */
  private Future<JsonObject> hold() {
    if (runtime != null) runtime.queue.stop();
    if (parking != null) return parking;
    boolean busy = turns.turnId() != null || compactor.running();
    JsonObject waiting = busy && !compactor.running() ? turns.parkable() : null;
    if (waiting != null) return park(waiting);
    if (!busy) handedOff = true;
    return Future.succeededFuture(new JsonObject().put("busy", busy).put("turnId", turns.turnId()));
  }

  private Future<JsonObject> park(JsonObject waiting) {
    String turnId = waiting.getString("turnId");
    Future<JsonObject> stored = parkedTurns().park(sessionId, turnId, waiting, fence).transform(ar -> {
      if (ar.failed()) {
        // the turn stays here, as without parking: it may still finish, or the drain timeout interrupts it
        LOG.warn("session {}: cannot hand over turn {} waiting for approval: {}", sessionId, turnId, ar.cause().getMessage());
        parking = null;
        turns.unparked();
        return Future.succeededFuture(new JsonObject().put("busy", true).put("turnId", turnId));
      }
      LOG.info("session {}: turn {} waits for approval: handed over to the next owner", sessionId, turnId);
      turns.parked(turnId);
      handedOff = true;
      return Future.succeededFuture(new JsonObject().put("busy", false).put("parked", true).put("turnId", turnId));
    });
    if (!stored.isComplete()) parking = stored;
    return stored;
  }

  private ParkedTurns parkedTurns() {
    if (parkedTurns == null) parkedTurns = new ParkedTurns(store.pool());
    return parkedTurns;
  }


}
