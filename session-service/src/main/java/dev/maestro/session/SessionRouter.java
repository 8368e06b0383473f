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
 *
 * <p><b>Owner cache</b> (issue 14): the owner last seen for a session is kept in an {@link OwnerCache}, and a
 * command for it goes straight there without reading the map. The cache is a hint: the one rule that keeps
 * one owner per session is that <b>a router activates a session only while the owner map names it</b>,
 * checked by that router itself after any release of the session it made: its own claim
 * ({@code putIfAbsent}/{@code replaceIfPresent}) in {@link #owner}, or a map read when a request arrives for
 * a session not live here (a forwarded one, or one sent to itself from the cache). Otherwise it answers
 * "not owner" ({@link #notOwner}), and the sender drops its entry and asks the map. Races considered:
 * <ol>
 *   <li><i>The cached owner let the session go</i> (idle, evicted, fenced, drained) and nobody has it: the
 *       old owner is not live, the map has no entry, it answers "not owner"; the sender's map path checks
 *       the user (see {@code beforeClaim}) and claims with {@code putIfAbsent}, as without a cache.</li>
 *   <li><i>The cached owner let it go and another router took it</i>: the map names the other one, so the
 *       old owner answers "not owner" and the sender forwards per the map. Its cache also dropped the
 *       entry on the new owner's {@code maestro.session.activated}.</li>
 *   <li><i>A request arrives while the session is being released here</i>: it waits for the release
 *       ({@code leaving}), then reads the map again: the release removed the entry.</li>
 *   <li><i>A release completes between this router's map read and its activation</i> (the read saw the
 *       entry the release then removed): a counter of completed releases is read before the map and
 *       compared before deploying; if one completed meanwhile the map is read again.</li>
 *   <li><i>Two requests activate at once on one router</i>: both claims name this router; the deploy runs
 *       on the router's context and the second finds the first in {@code live}. On two routers:
 *       {@code putIfAbsent} lets one win; the other forwards to it (or answers "not owner").</li>
 *   <li><i>The cached owner's node left</i>: its entries go on the membership event; before that
 *       {@link #alive} is checked on every hit; a forward already sent fails with {@link OwnerLeft} and the
 *       takeover runs as before (only commands safe to repeat are repeated).</li>
 *   <li><i>The cached router is gone</i> (NO_HANDLERS) or times out: the entry goes, a command not
 *       delivered is sent again by the map path, a timed-out one is not repeated.</li>
 *   <li><i>A stale entry put back by a lookup that raced with an invalidation</i>: still only a hint; the
 *       receiver's check sends the request to the map path.</li>
 *   <li><i>A draining node</i> hands requests on to another router through {@value Addresses#SESSION_ROUTERS}
 *       after releasing the session; that router reads the map, not its cache (which may still name the
 *       draining node), so a request never loops between them.</li>
 *   <li><i>A partition</i> (both sides think they own it): as before, the owner epoch in PostgreSQL fences
 *       the older copy ({@link OwnerFence}); the cache is cleared when the cluster re-forms.</li>
 * </ol>
 * A "not owner" answer is retried at most {@value #MAX_HOPS} times, then the caller gets UNAVAILABLE (try again).
 */
public class SessionRouter {
  private static final Logger LOG = LoggerFactory.getLogger(SessionRouter.class);
  static final String OWNERS = Addresses.SESSION_OWNERS_MAP;
  private static final long FORWARD_TIMEOUT_MS = 12_000;
  /** "Not owner" answers followed for one command before it fails with UNAVAILABLE. */
  static final int MAX_HOPS = 4;

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
  /** Who owned which session when this node last looked: a hint, see the class comment. */
  private OwnerCache cache = new OwnerCache(OwnerCache.DEFAULT_SIZE);
  private MessageConsumer<JsonObject> activations;
  private Runnable unwatchRejoin = () -> { };
  /** Releases of a session by this router that have completed (written on the router context only). */
  private volatile long releases;
  /** Reads of the owner map (a Hazelcast call; tests and the metric). */
  private final java.util.concurrent.atomic.AtomicLong ownerReads = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong cacheHits = new java.util.concurrent.atomic.AtomicLong();

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
    io.micrometer.core.instrument.MeterRegistry registry = dev.maestro.platform.Observability.registry(vertx);
    io.micrometer.core.instrument.Gauge.builder(dev.maestro.platform.MetricNames.LIVE_SESSIONS, live, Map::size)
        .description("sessions live on this node").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(dev.maestro.platform.MetricNames.OWNER_LOOKUPS, ownerReads,
        java.util.concurrent.atomic.AtomicLong::get).description("reads of the session owner map").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(dev.maestro.platform.MetricNames.OWNER_CACHE_HITS, cacheHits,
        java.util.concurrent.atomic.AtomicLong::get).description("commands routed by the owner cache").register(registry);
  }

  /** The owner cache's size ({@link OwnerCache#SIZE}; 0: off), before {@link #start}. */
  SessionRouter ownerCacheSize(int size) {
    this.cache = new OwnerCache(size);
    return this;
  }

  /** Reads of the owner map so far (tests). */
  long ownerReads() {
    return ownerReads.get();
  }

  /** Commands routed from the owner cache so far (tests). */
  long cacheHits() {
    return cacheHits.get();
  }

  /** The cached owner of a session, or null (tests). */
  String cachedOwner(String sessionId) {
    return cache.get(sessionId);
  }

  /** Puts an entry as a lookup would (tests: an entry gone stale by a race the router did not see). */
  void remember(String sessionId, String owner) {
    cache.put(sessionId, owner);
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

  /** This node's store (and with it its admission ahead of the database). */
  SessionStore store() {
    return store;
  }

  static String nodeAddress(String ownerId) {
    return Addresses.sessionRouter(ownerId);
  }

  public Future<Void> start() {
    members = dev.maestro.platform.DeadRequesterWatch.start(vertx);
    cache.start(vertx);
    // what crossed a split may be stale on either side
    OwnerCache c = cache;
    unwatchRejoin = members.onRejoin(c::clear);
    return vertx.sharedData().<String, String>getAsyncMap(OWNERS).compose(map -> {
      owners = map;
      nodeConsumer = vertx.eventBus().consumer(nodeAddress(ownerId), msg -> {
        JsonObject body = msg.body();
        // the sender's map read (or cache) may be stale: activate only if the map names this router
        local(body.getString("sessionId"), body.getJsonObject("command"), body.getLong("timeoutMs", FORWARD_TIMEOUT_MS), UNCLAIMED)
            .onSuccess(msg::reply)
            .onFailure(err -> fail(msg, err));
      });
      // a new owner elsewhere: an entry naming another router is stale
      activations = vertx.eventBus().consumer(Addresses.SESSION_ACTIVATED,
          m -> c.ownerIs(m.body().getString("sessionId"), m.body().getString("owner")));
      return Future.all(nodeConsumer.completion(), activations.completion()).mapEmpty();
    });
  }

  /** Releases this router's sessions (their verticles store any running turn as interrupted). */
  public Future<Void> stop() {
    List<Future<?>> all = new ArrayList<>();
    for (String sessionId : new ArrayList<>(live.keySet())) all.add(passivate(sessionId));
    if (members != null) members.stop();
    unwatchRejoin.run();
    cache.stop();
    if (activations != null) activations.unregister();
    return Future.join(all).transform(ar -> nodeConsumer == null ? Future.succeededFuture() : nodeConsumer.unregister());
  }

  /** Runs a command on the session's live owner, activating it (here) when it has none. */
  Future<JsonObject> call(String sessionId, LiveCommand command) {
    return call(sessionId, LiveCommand.toJson(command), FORWARD_TIMEOUT_MS, null, true);
  }

  /**
   * The same, and beforeClaim runs (and must succeed) before this router claims a session that has no live
   * owner: e.g. the user's access is checked before anybody activates the session for them.
   */
  Future<JsonObject> call(String sessionId, LiveCommand command, java.util.function.Supplier<Future<?>> beforeClaim) {
    return call(sessionId, LiveCommand.toJson(command), FORWARD_TIMEOUT_MS, beforeClaim, true);
  }

  /** The same for a command whose answer may take long (an elicitation waits for its user). */
  Future<JsonObject> call(String sessionId, LiveCommand command, long timeoutMs) {
    return call(sessionId, LiveCommand.toJson(command), Math.max(timeoutMs, FORWARD_TIMEOUT_MS), null, true);
  }

  /** A command in its JSON form. */
  Future<JsonObject> call(String sessionId, JsonObject command, long timeoutMs) {
    return call(sessionId, command, timeoutMs, null, true);
  }

  /**
   * What a draining router hands on (SessionDrain): routed by the map, not the cache, whose entry may
   * still name the draining router (the request would come back).
   */
  Future<JsonObject> callHandedOn(String sessionId, JsonObject command, long timeoutMs) {
    return call(sessionId, command, timeoutMs, null, false);
  }

  private Future<JsonObject> call(String sessionId, JsonObject command, long timeoutMs,
                                  java.util.function.Supplier<Future<?>> beforeClaim, boolean useCache) {
    return route(sessionId, command, timeoutMs, beforeClaim, 0, 0, useCache)
        .recover(err -> Future.failedFuture(asServiceException(err)));
  }

  private Future<JsonObject> route(String sessionId, JsonObject command, long timeoutMs,
                                   java.util.function.Supplier<Future<?>> beforeClaim, int attempt, int hops, boolean useCache) {
    SessionDrain d = drain;
    if (d != null) return d.route(sessionId, command, timeoutMs);
    String cached = useCache ? fromCache(sessionId) : null;
    // a release completing after this point makes a claim read below stale (see activate)
    long seen = releases;
    Future<String> lookup = cached != null ? Future.succeededFuture(cached) : owner(sessionId, beforeClaim);
    return lookup.compose(owner -> {
      boolean hinted = cached != null;
      Future<JsonObject> f = owner.equals(ownerId) ? local(sessionId, command, timeoutMs, hinted ? UNCLAIMED : seen)
          : forward(owner, sessionId, command, timeoutMs);
      return f.recover(err -> {
        if (ownerMayHaveMoved(err)) cache.drop(sessionId, owner);
        if (isNotOwner(err)) {
          // nothing was done there: ask the map (which the receiver read, or will have updated by then)
          if (hops + 1 >= MAX_HOPS) {
            return ServiceException.fail(ErrorCodes.UNAVAILABLE, "session " + sessionId + " is moving between nodes: try again");
          }
          return route(sessionId, command, timeoutMs, beforeClaim, attempt, hops + 1, false);
        }
        if (hinted && noHandlers(err)) {
          // the cached router is gone and the command was not delivered: the map knows better than the cache
          return route(sessionId, command, timeoutMs, beforeClaim, attempt, hops + 1, false);
        }
        // the owner vanished between lookup and delivery: take over once, then give up visibly
        if (attempt == 0 && noHandlers(err)) {
          return takeOver(sessionId, owner).compose(x -> route(sessionId, command, timeoutMs, beforeClaim, attempt + 1, hops, false));
        }
        if (err instanceof OwnerLeft) {
          // it may have been carried out before the node died: again only what cannot happen twice
          if (attempt == 0 && safeToRepeat(command)) {
            return takeOver(sessionId, owner).compose(x -> route(sessionId, command, timeoutMs, beforeClaim, attempt + 1, hops, false));
          }
          return ServiceException.fail(ErrorCodes.UNAVAILABLE, "the node serving this session left the cluster while "
              + "answering; another one takes it over now: try again");
        }
        return Future.failedFuture(err);
      });
    });
  }

  /** The cached owner when it may still be live (its node is a member), counted as a hit; else null. */
  private String fromCache(String sessionId) {
    String cached = cache.get(sessionId);
    if (cached == null) return null;
    if (!alive(cached)) {
      cache.drop(sessionId, cached);
      return null;
    }
    cacheHits.incrementAndGet();
    return cached;
  }

  /** A failure after which the owner the request went to may not be the owner any more. */
  private static boolean ownerMayHaveMoved(Throwable err) {
    if (err instanceof OwnerLeft || isNotOwner(err) || OwnerFence.isStale(err)) return true;
    if (err instanceof ServiceException se) return se.getDebugInfo() != null && se.getDebugInfo().getBoolean("moved", false);
    return err instanceof ReplyException re && re.failureType() != ReplyFailure.RECIPIENT_FAILURE;
  }

  private static boolean noHandlers(Throwable err) {
    return err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
  }

  /** A claim that was not just made by this router: the map is read before activating. */
  static final long UNCLAIMED = -1;

  /** The answer of a router asked to run a command for a session it neither holds nor is named owner of. */
  static <T> Future<T> notOwner(String sessionId) {
    return Future.failedFuture(new ServiceException(ErrorCodes.UNAVAILABLE, "session " + sessionId
        + " is not served by this node any more: try again", new JsonObject().put("notOwner", true)));
  }

  static boolean isNotOwner(Throwable err) {
    return err instanceof ServiceException se && se.getDebugInfo() != null && se.getDebugInfo().getBoolean("notOwner", false);
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
    String cached = fromCache(sessionId);
    if (cached != null) {
      // "not live" from a cached owner may only mean it moved: the map says where (or that nobody has it)
      return followAt(cached, sessionId, command).transform(ar -> {
        if (ar.succeeded() && ar.result().getBoolean("live", false)) return Future.succeededFuture(ar.result());
        if (ar.failed() && !ownerMayHaveMoved(ar.cause())) return Future.failedFuture(asServiceException(ar.cause()));
        cache.drop(sessionId, cached);
        return followByMap(sessionId, command);
      });
    }
    return followByMap(sessionId, command);
  }

  private Future<JsonObject> followAt(String owner, String sessionId, JsonObject command) {
    return owner.equals(ownerId) ? local(sessionId, command, FORWARD_TIMEOUT_MS) : forward(owner, sessionId, command, FORWARD_TIMEOUT_MS);
  }

  private Future<JsonObject> followByMap(String sessionId, JsonObject command) {
    ownerReads.incrementAndGet();
    return owners.get(sessionId).compose(owner -> {
      if (owner == null || !alive(owner)) return Future.succeededFuture(NOT_LIVE.copy());
      return followAt(owner, sessionId, command).onSuccess(a -> {
        if (a.getBoolean("live", false)) cache.put(sessionId, owner);
      });
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
    ownerReads.incrementAndGet();
    return owners.get(sessionId).map(o -> o != null && alive(o) ? o : null);
  }

  /** The live owner per the map, claimed here (after beforeClaim) when there is none or it is gone; cached. */
  private Future<String> owner(String sessionId, java.util.function.Supplier<Future<?>> beforeClaim) {
    ownerReads.incrementAndGet();
    return owners.get(sessionId).compose(current -> {
      if (current != null && alive(current)) return Future.succeededFuture(current);
      Future<?> allowed = beforeClaim == null ? Future.succeededFuture() : beforeClaim.get();
      return allowed.compose(x -> current == null
          ? owners.putIfAbsent(sessionId, ownerId).map(prev -> prev == null ? ownerId : prev)
          : takeOver(sessionId, current));
    }).onSuccess(o -> cache.put(sessionId, o));
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

  /** Runs on this router's context: map access is single-threaded. Activates only if the map names this router. */
  Future<JsonObject> local(String sessionId, JsonObject command, long timeoutMs) {
    return local(sessionId, command, timeoutMs, UNCLAIMED);
  }

  /**
   * claimedAt: the release count read before this router's own claim (or map read) named it owner, so no
   * map read is needed unless a release completed since; {@link #UNCLAIMED} when nobody here just read the map.
   */
  private Future<JsonObject> local(String sessionId, JsonObject command, long timeoutMs, long claimedAt) {
    if (command.getBoolean(IF_LIVE, false)) {
      return onContext(() -> {
        Future<String> f = live.get(sessionId);
        return f == null ? Future.succeededFuture(NOT_LIVE.copy())
            : f.transform(ar -> ar.succeeded() ? deliver(sessionId, command, timeoutMs) : Future.succeededFuture(NOT_LIVE.copy()));
      });
    }
    SessionDrain d = drain;
    if (d != null) return onContext(() -> d.local(sessionId, command, timeoutMs));
    return onContext(() -> activate(sessionId, claimedAt)).compose(deploymentId -> deliver(sessionId, command, timeoutMs));
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

  private Future<String> activate(String sessionId, long claimedAt) {
    Future<String> f = live.get(sessionId);
    if (f != null && !f.failed()) return f;
    Future<Void> gone = leaving.get(sessionId);
    // the release removes the owner entry: whether this router is still the owner is read afterwards
    // (a release that has just completed is still listed until its own clean-up runs on this context)
    if (gone != null && !gone.isComplete()) return gone.transform(ar -> onContext(() -> activate(sessionId, UNCLAIMED)));
    if (gone != null || claimedAt == UNCLAIMED || claimedAt != releases) {
      long seen = releases;
      ownerReads.incrementAndGet();
      return owners.get(sessionId).compose(current -> ownerId.equals(current)
          ? onContext(() -> activate(sessionId, seen))
          : notOwner(sessionId));
    }
    long t0 = System.nanoTime();
    SessionVerticle verticle = new SessionVerticle(sessionId, ownerId, store, provider, tools, auth, models, settings,
        this::alive, () -> context.runOnContext(v -> passivate(sessionId)));
    verticle.runtime(runtime);
    Future<String> f0 = vertx.deployVerticle(verticle, new DeploymentOptions());
    live.put(sessionId, f0);
    return f0.onSuccess(id -> LOG.debug("session {}: activated in {} ms", sessionId, (System.nanoTime() - t0) / 1_000_000))
        .onFailure(err -> context.runOnContext(x -> {
          // (a passivation that took it out of live first gives the ownership up itself)
          if (!live.remove(sessionId, f0)) return;
          cache.drop(sessionId, ownerId);
          // a release like a passivation's: an activation meanwhile waits, then reads the map again
          io.vertx.core.Promise<Void> released = io.vertx.core.Promise.promise();
          leaving.put(sessionId, released.future());
          owners.removeIfPresent(sessionId, ownerId).onComplete(ar -> context.runOnContext(y -> {
            releases++;
            leaving.remove(sessionId, released.future());
            released.complete();
          }));
        }));
  }

  /** Undeploys an idle (or evicted) session and gives up its ownership. */
  Future<Void> passivate(String sessionId) {
    Future<String> f = live.remove(sessionId);
    if (f == null) return Future.succeededFuture();
    cache.drop(sessionId, ownerId);
    @SuppressWarnings("unchecked")
    Future<Void>[] done0 = new Future[1];
    Future<Void> done = f.compose(vertx::undeploy)
        .transform(ar -> owners.removeIfPresent(sessionId, ownerId))
        .<Void>mapEmpty()
        .onComplete(ar -> context.runOnContext(x -> {
          releases++;
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
