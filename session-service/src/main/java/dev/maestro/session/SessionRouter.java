package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Finds or makes the one live owner of a session. Ownership is an entry {@code sessionId → owner}
 * in a cluster-wide AsyncMap ({@value #OWNERS}); an owner id is {@code <cluster node id>/<router id>}.
 * A request for a session whose owner is another live router is forwarded to that router's node
 * address; an owner whose node left the cluster (or whose router is gone) is replaced with
 * {@code replaceIfPresent}, so exactly one router wins and activates the session from PostgreSQL.
 * Works the same in one local Vert.x (the map is then node-local).
 */
public class SessionRouter {
  private static final Logger LOG = LoggerFactory.getLogger(SessionRouter.class);
  static final String OWNERS = Addresses.SESSION_OWNERS_MAP;
  private static final long FORWARD_TIMEOUT_MS = 12_000;

  private final Vertx vertx;
  private final Context context;
  private final SessionStore store;
  private final ProviderService provider;
  private final ToolService tools;
  private final AuthService auth;
  private final ModelTable models;
  private final SessionSettings settings;
  private final String ownerId;
  private final ClusterManager cluster;
  /** Issue 16: what every live session of this node shares for queue, steer and plan mode. */
  private SessionRuntimeParts.Shared runtime;
  private AsyncMap<String, String> owners;
  private MessageConsumer<JsonObject> nodeConsumer;
  /** Fails a forward at once when its owner's node leaves the cluster (instead of at its timeout). */
  private dev.maestro.platform.DeadRequesterWatch members;
  /** Sessions live here: activation future (deployment id) per session. Touched only on this context. */
  private final Map<String, Future<String>> live = new HashMap<>();
  /** Sessions being undeployed: a new activation waits, so two verticles never share an address. */
  private final Map<String, Future<Void>> leaving = new HashMap<>();
  /** Set while this node drains (SessionDrain): nothing new is activated here, requests are handed on. */
  private volatile SessionDrain drain;

  public SessionRouter(Vertx vertx, Context context, SessionStore store, ProviderService provider, ToolService tools,
                       AuthService auth, ModelTable models, SessionSettings settings) {
    this.vertx = vertx;
    this.context = context;
    this.store = store;
    this.provider = provider;
    this.tools = tools;
    this.auth = auth;
    this.models = models;
    this.settings = settings;
    this.cluster = ((VertxInternal) vertx).clusterManager();
    String node = cluster == null ? "local" : cluster.getNodeId();
    this.ownerId = node + "/" + UUID.randomUUID();
    // read off the event loop by the scrape: a stale size is fine for a gauge
    io.micrometer.core.instrument.Gauge.builder(dev.maestro.platform.MetricNames.LIVE_SESSIONS, live, Map::size)
        .description("sessions live on this node").register(dev.maestro.platform.Observability.registry(vertx));
  }

  void runtime(SessionRuntimeParts.Shared shared) {
    this.runtime = shared;
  }

  long elicitationTimeoutMs() {
    return settings.elicitationTimeoutMs();
  }

  public String ownerId() {
    return ownerId;
  }

  static String nodeAddress(String ownerId) {
    return Addresses.sessionRouter(ownerId);
  }

  public Future<Void> start() {
    members = dev.maestro.platform.DeadRequesterWatch.start(vertx);
    return vertx.sharedData().<String, String>getAsyncMap(OWNERS).compose(map -> {
      owners = map;
      nodeConsumer = vertx.eventBus().consumer(nodeAddress(ownerId), msg -> {
        JsonObject body = msg.body();
        local(body.getString("sessionId"), body.getJsonObject("command"), body.getLong("timeoutMs", FORWARD_TIMEOUT_MS))
            .onSuccess(msg::reply)
            .onFailure(err -> fail(msg, err));
      });
      return nodeConsumer.completion();
    });
  }

  /** Releases this router's sessions (their verticles store any running turn as interrupted). */
  public Future<Void> stop() {
    List<Future<?>> all = new ArrayList<>();
    for (String sessionId : new ArrayList<>(live.keySet())) all.add(passivate(sessionId));
    if (members != null) members.stop();
    return Future.join(all).transform(ar -> nodeConsumer == null ? Future.succeededFuture() : nodeConsumer.unregister());
  }

  /** Runs a command on the session's live owner, activating it (here) when it has none. */
  Future<JsonObject> call(String sessionId, LiveCommand command) {
    return call(sessionId, LiveCommand.toJson(command), FORWARD_TIMEOUT_MS, 0);
  }

  /** The same for a command whose answer may take long (an elicitation waits for its user). */
  Future<JsonObject> call(String sessionId, LiveCommand command, long timeoutMs) {
    return call(sessionId, LiveCommand.toJson(command), Math.max(timeoutMs, FORWARD_TIMEOUT_MS), 0);
  }

  /** A command in its JSON form (what another router hands on, see SessionDrain). */
  Future<JsonObject> call(String sessionId, JsonObject command, long timeoutMs) {
    return call(sessionId, command, timeoutMs, 0);
  }

  private Future<JsonObject> call(String sessionId, JsonObject command, long timeoutMs, int attempt) {
    SessionDrain d = drain;
    if (d != null) return d.route(sessionId, command, timeoutMs).recover(err -> Future.failedFuture(asServiceException(err)));
    return owner(sessionId).compose(owner -> {
      Future<JsonObject> f = owner.equals(ownerId) ? local(sessionId, command, timeoutMs) : forward(owner, sessionId, command, timeoutMs);
      return f.recover(err -> {
        // the owner vanished between lookup and delivery: take over once, then give up visibly
        if (attempt == 0 && err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
          return takeOver(sessionId, owner).compose(x -> call(sessionId, command, timeoutMs, attempt + 1));
        }
        if (err instanceof OwnerLeft) {
          // it may have been carried out before the node died: again only what cannot happen twice
          if (attempt == 0 && safeToRepeat(command)) {
            return takeOver(sessionId, owner).compose(x -> call(sessionId, command, timeoutMs, attempt + 1));
          }
          return ServiceException.fail(ErrorCodes.UNAVAILABLE, "the node serving this session left the cluster while "
              + "answering; another one takes it over now: try again");
        }
        return Future.failedFuture(err);
      });
    }).recover(err -> Future.failedFuture(asServiceException(err)));
  }

  private static final JsonObject NOT_LIVE = new JsonObject().put("live", false);

  /**
   * A {@code Addresses.SESSION_FOLLOW} request (issue 14): registers, renews or ends a node's lease at the
   * session's live owner, wherever it runs, without activating the session ({"live":false} when nobody
   * runs it: its next owner announces itself and the follower follows it then). userId, when given, must
   * be the session's (else NOT_FOUND).
   */
  public Future<JsonObject> follow(JsonObject request) {
    String sessionId = request.getString("sessionId");
    String inbox = request.getString("inbox");
    if (sessionId == null || inbox == null) return Fail.invalid("sessionId", "a follow names a session and an inbox");
    LiveCommand follow = new LiveCommand.Follow(inbox, request.getString("token"),
        request.getValue("afterSeq") instanceof Number n ? n.longValue() : null, request.getBoolean("unfollow", false));
    String userId = request.getString("userId");
    JsonObject command = LiveCommand.toJson(userId == null ? follow : new LiveCommand.AsUser(userId, follow)).put(IF_LIVE, true);
    return owners.get(sessionId).compose(owner -> {
      if (owner == null || !alive(owner)) return Future.succeededFuture(NOT_LIVE.copy());
      return owner.equals(ownerId) ? local(sessionId, command, FORWARD_TIMEOUT_MS) : forward(owner, sessionId, command, FORWARD_TIMEOUT_MS);
    }).recover(err -> {
      // the owner went away meanwhile: its successor announces itself
      if (err instanceof OwnerLeft || err instanceof ReplyException re && re.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
        return Future.succeededFuture(NOT_LIVE.copy());
      }
      return Future.failedFuture(asServiceException(err));
    });
  }

  /** A command flag: run it only on a copy live here, never activate for it (a follow). */
  static final String IF_LIVE = "ifLive";

  /** The live owner of a session, if any, without activating it. */
  public Future<String> currentOwner(String sessionId) {
    return owners.get(sessionId).map(o -> o != null && alive(o) ? o : null);
  }

  private Future<String> owner(String sessionId) {
    return owners.get(sessionId).compose(current -> {
      if (current == null) {
        return owners.putIfAbsent(sessionId, ownerId).map(prev -> prev == null ? ownerId : prev);
      }
      if (alive(current)) return Future.succeededFuture(current);
      return takeOver(sessionId, current);
    });
  }

  private Future<String> takeOver(String sessionId, String dead) {
    LOG.info("session {}: owner {} is gone, {} takes over", sessionId, dead, ownerId);
    return owners.replaceIfPresent(sessionId, dead, ownerId).compose(won -> won ? Future.succeededFuture(ownerId)
        : owners.putIfAbsent(sessionId, ownerId).map(prev -> prev == null ? ownerId : prev));
  }

  /** Whether an owner id names this router or a router on a node still in the cluster. */
  boolean alive(String owner) {
    if (owner.equals(ownerId)) return true;
    String node = owner.substring(0, Math.max(0, owner.indexOf('/')));
    if (cluster == null) return false;
    return cluster.getNodes().contains(node);
  }

  /**
   * To the owner's node. A node killed outright (kill -9) stays in the subscription map until the cluster
   * notices it left (about two seconds), and what is sent to it meanwhile is never answered: such a
   * request fails with {@link OwnerLeft} when the node leaves, not at its timeout (chaos session-kill
   * showed sends waiting the full 12 s).
   */
  Future<JsonObject> forward(String owner, String sessionId, JsonObject command, long timeoutMs) {
    io.vertx.core.Promise<JsonObject> answer = io.vertx.core.Promise.promise();
    Runnable unwatch = members == null ? () -> { }
        : members.watch(owner.substring(0, Math.max(0, owner.indexOf('/'))), () -> answer.tryFail(new OwnerLeft(owner)));
    vertx.eventBus().<JsonObject>request(nodeAddress(owner),
            new JsonObject().put("sessionId", sessionId).put("command", command).put("timeoutMs", timeoutMs),
            new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(m -> m.body())
        .onComplete(ar -> {
          unwatch.run();
          if (ar.succeeded()) answer.tryComplete(ar.result());
          else answer.tryFail(ar.cause());
        });
    return answer.future();
  }

  /** Commands a new owner may run again after the old one died mid-answer: reads, and sends with a key. */
  static boolean safeToRepeat(JsonObject command) {
    // (a command run as another user carries the same op and fields)
    return switch (command.getString("op", "")) {
      case "state", "events" -> true;
      case "send" -> command.getString("idempotencyKey") != null;
      default -> false;
    };
  }

  /** The owner's node left the cluster while a forwarded command waited for its answer. */
  static final class OwnerLeft extends RuntimeException {
    OwnerLeft(String owner) {
      super("the session's owner " + owner + " left the cluster", null, false, false);
    }
  }

  /** Runs on this router's context: map access is single-threaded. */
  Future<JsonObject> local(String sessionId, JsonObject command, long timeoutMs) {
    if (command.getBoolean(IF_LIVE, false)) {
      return onContext(() -> {
        Future<String> f = live.get(sessionId);
        return f == null ? Future.succeededFuture(NOT_LIVE.copy())
            : f.transform(ar -> ar.succeeded() ? deliver(sessionId, command, timeoutMs) : Future.succeededFuture(NOT_LIVE.copy()));
      });
    }
    SessionDrain d = drain;
    if (d != null) return onContext(() -> d.local(sessionId, command, timeoutMs));
    return onContext(() -> activate(sessionId)).compose(deploymentId -> deliver(sessionId, command, timeoutMs));
  }

  /** To the live copy here (which must exist). */
  Future<JsonObject> deliver(String sessionId, JsonObject command, long timeoutMs) {
    return vertx.eventBus().<JsonObject>request(SessionVerticle.commandAddress(sessionId), command,
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs))
        .map(m -> m.body());
  }

  // ------------------------------------------------------------------ for SessionDrain (router context only)

  void draining(SessionDrain d) {
    this.drain = d;
  }

  /** Sessions live (or activating) here. */
  List<String> liveIds() {
    return new ArrayList<>(live.keySet());
  }

  boolean isLive(String sessionId) {
    return live.containsKey(sessionId);
  }

  /** Completes when the session is not being undeployed here any more. */
  Future<Void> left(String sessionId) {
    Future<Void> gone = leaving.get(sessionId);
    return gone == null ? Future.succeededFuture() : gone;
  }

  <T> Future<T> onRouterContext(java.util.function.Supplier<Future<T>> action) {
    return onContext(action);
  }

  private Future<String> activate(String sessionId) {
    Future<String> f = live.get(sessionId);
    if (f != null && !f.failed()) return f;
    Future<Void> gone = leaving.get(sessionId);
    // a release that completed is removed from leaving a tick later (passivate): past it already. Waiting on
    // it again would call back at once, here, for ever (a StackOverflowError answered as an internal error to
    // the first request after a fenced copy let go)
    if (gone != null && gone.isComplete()) {
      leaving.remove(sessionId, gone);
      gone = null;
    }
    if (gone != null) return gone.transform(ar -> onContext(() -> activate(sessionId)));
    long t0 = System.nanoTime();
    SessionVerticle verticle = new SessionVerticle(sessionId, ownerId, store, provider, tools, auth, models, settings,
        this::alive, () -> context.runOnContext(v -> passivate(sessionId)));
    verticle.runtime(runtime);
    Future<String> f0 = vertx.deployVerticle(verticle, new DeploymentOptions());
    live.put(sessionId, f0);
    return f0.onSuccess(id -> LOG.debug("session {}: activated in {} ms", sessionId, (System.nanoTime() - t0) / 1_000_000))
        .onFailure(err -> context.runOnContext(x -> {
          live.remove(sessionId, f0);
          owners.removeIfPresent(sessionId, ownerId);
        }));
  }

  /** Undeploys an idle (or evicted) session and gives up its ownership. */
  Future<Void> passivate(String sessionId) {
    Future<String> f = live.remove(sessionId);
    if (f == null) return Future.succeededFuture();
    @SuppressWarnings("unchecked")
    Future<Void>[] done0 = new Future[1];
    Future<Void> done = f.compose(vertx::undeploy)
        .transform(ar -> owners.removeIfPresent(sessionId, ownerId))
        .<Void>mapEmpty()
        .onComplete(ar -> context.runOnContext(x -> {
          leaving.remove(sessionId, done0[0]);
          LOG.debug("session {}: passivated", sessionId);
        }));
    done0[0] = done;
    if (!done.isComplete()) leaving.put(sessionId, done);
    return done;
  }

  /** Passivates a session now, from any thread (tests, operations). */
  public Future<Void> passivateNow(String sessionId) {
    return onContext(() -> passivate(sessionId));
  }

  public int liveCount() {
    return live.size();
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
    // a duplicate of the router's context (a message handler's) is the same event loop, and keeps the
    // handler's trace: hopping to the root context would start the live session's work in no trace
    io.vertx.core.Context current = Vertx.currentContext();
    if (current == context || current instanceof io.vertx.core.internal.ContextInternal ci && ci.unwrap() == context) return action.get();
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    context.runOnContext(v -> action.get().onComplete(p));
    return p.future();
  }

  static int code(Throwable err) {
    if (err instanceof ServiceException se) return se.failureCode();
    if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) return re.failureCode();
    return ErrorCodes.UNAVAILABLE;
  }

  /**
   * Fails a forwarded command: a ServiceException is sent whole (service-proxy codec) so its
   * debugInfo, e.g. the {field, message} errors of a rejected elicitation answer, survives the hop.
   */
  static void fail(io.vertx.core.eventbus.Message<?> msg, Throwable err) {
    if (err instanceof ServiceException se) msg.reply(se);
    else if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) msg.fail(re.failureCode(), re.getMessage());
    else msg.reply(dev.maestro.platform.ServiceFailures.internal("session-service", err));
  }

  /** Failures from the session's owner keep their code; transport trouble becomes UNAVAILABLE. */
  static Throwable asServiceException(Throwable err) {
    if (err instanceof ServiceException) return err;
    if (err instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE) return new ServiceException(re.failureCode(), re.getMessage());
      return new ServiceException(ErrorCodes.UNAVAILABLE, "the session's owner did not answer (" + re.failureType() + ")");
    }
    return dev.maestro.platform.ServiceFailures.internal("session-service", err);
  }
}
