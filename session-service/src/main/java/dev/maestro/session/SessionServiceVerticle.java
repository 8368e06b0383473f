package dev.maestro.session;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionRuntime;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.platform.Admission;
import dev.maestro.platform.Database;
import dev.maestro.platform.HealthResponder;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;

/**
 * session-service: migrates schema {@code session}, starts this node's {@link SessionRouter} and
 * registers {@link SessionService}. Deploy one instance per Vert.x node: each instance is its own
 * owner of the sessions it activates.
 */
public class SessionServiceVerticle extends VerticleBase implements dev.maestro.platform.Drainable {
  public static final String SCHEMA = "session";
  /** PostgreSQL pool size of this node (every live session shares it). */
  public static final String POOL_SIZE = "MAESTRO_SESSION_PG_POOL_SIZE";
  /** Requests that may wait for one of the pool's connections (past it: 503 overloaded). */
  public static final String POOL_WAIT_QUEUE = "MAESTRO_SESSION_PG_WAIT_QUEUE";
  /**
   * Milliseconds a transaction of this node may wait for the node before PostgreSQL ends it (0: off). Every
   * transaction here is SQL only and pipelined, over in milliseconds; a node cut off mid-transaction (a
   * partition) held the user's turn-start lock and budget row for the whole cut plus TCP's backoff, and
   * every node waited on them. 4 s: freed before the cut-off node's members are removed (~5 s), with room for
   * a node's event loop starved or paused for seconds on a loaded machine.
   */
  public static final String IDLE_IN_TRANSACTION_MS = "MAESTRO_SESSION_PG_IDLE_IN_TRANSACTION_MS";

  private Pool pool;
  private SessionRouter router;
  private OrphanedTurns orphans;
  private MessageConsumer<JsonObject> binding;
  private MessageConsumer<JsonObject> runtimeBinding;
  private QueueSweeper sweeper;
  private SessionDrain drain;
  private MessageConsumer<JsonObject> toolsChanged;
  private java.util.List<MessageConsumer<JsonObject>> credentialsChanged = java.util.List.of();
  private MessageConsumer<JsonObject> follows;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    SessionSettings settings = SessionSettings.from(config());
    // provider-service sends stream events in this binary codec: this node must be able to decode them
    dev.maestro.contracts.provider.StreamEventCodec.register(vertx);
    AuthService auth = AuthService.createProxy(vertx);
    // the price table may come from a file: read it off the event loop, like the migrations
    return vertx.executeBlocking(() -> ModelTable.load(settings.modelsFile()), false)
        .compose(models -> Database.migrate(vertx, cfg, SCHEMA).map(models))
        .compose(models -> {
          int poolSize = poolSize();
          pool = Database.pool(vertx, cfg, SCHEMA, poolSize, Settings.of(config()).integer(POOL_WAIT_QUEUE, 4096, 1, Integer.MAX_VALUE),
              Settings.of(config()).integer(IDLE_IN_TRANSACTION_MS, 4000, 0, Integer.MAX_VALUE));
          // issue 14: turn starts and activations beyond what the pool serves wait here, in arrival order
          Admission admission = StartAdmission.of(vertx, config(), poolSize);
          // one consumer per node for tool-service's change announcements (the sessions' tool lists)
          toolsChanged = ToolListCache.listen(vertx);
          // and of auth-service's credential announcements (the sessions' remembered credential checks)
          credentialsChanged = CredentialCheck.listen(vertx);
          SessionStore store = new SessionStore(pool, admission);
          router = new SessionRouter(vertx, context, store, ProviderService.createProxy(vertx), ToolService.createProxy(vertx),
              auth, models, settings).ownerCacheSize(OwnerCache.size(config()));
          return router.start().compose(v -> {
                // issue 14: nodes follow live sessions through their inboxes (SessionInbox); any session node answers
                follows = vertx.eventBus().<JsonObject>consumer(dev.maestro.contracts.Addresses.SESSION_FOLLOW,
                    m -> router.follow(m.body()).onSuccess(m::reply).onFailure(err -> SessionRouter.fail(m, err)));
                return follows.completion();
              }).map(store)
              .onSuccess(st -> orphans = new OrphanedTurns(context, router, pool).start(vertx));
        })
        .compose(store -> {
          // issue 16: queue and steer, plan mode, running now, approvals (SessionRuntime)
          RuntimeStore runtimeStore = new RuntimeStore(pool);
          RuntimeSettings runtimeSettings = RuntimeSettings.from(config());
          router.runtime(new SessionRuntimeParts.Shared(runtimeStore, runtimeSettings));
          runtimeBinding = new ServiceBinder(vertx).setAddress(SessionRuntime.ADDRESS)
              .register(SessionRuntime.class, ServiceFailures.guarded(SessionRuntime.class,
                  new SessionRuntimeImpl(store, runtimeStore, router), "session-service"));
          sweeper = new QueueSweeper(vertx, runtimeStore, router, runtimeSettings.queueSweepMs());
          drain = new SessionDrain(vertx, router, runtimeStore, config(),
              java.util.Set.of(SessionService.ADDRESS, SessionRuntime.ADDRESS, dev.maestro.contracts.Addresses.SESSION_FOLLOW));
          return runtimeBinding.completion().compose(v -> drain.open()).map(store);
        })
        .compose(store -> {
          binding = new ServiceBinder(vertx).setAddress(SessionService.ADDRESS)
              .register(SessionService.class, ServiceFailures.guarded(SessionService.class,
                  SessionLifecycleEvents.publishing(vertx.eventBus(), new SessionServiceImpl(store, router, new CredentialCheck(auth)).runtime(new RuntimeStore(pool))
                      .worktrees(dev.maestro.contracts.project.ProjectService.createProxy(vertx))),
                  "session-service"));
          return binding.completion().compose(v -> Budgets.start(vertx, pool, config()));
        })
        .compose(v -> toolsChanged.completion())
        .compose(v -> Future.all(credentialsChanged.stream().map(MessageConsumer::completion).toList()).mapEmpty())
        .compose(v -> HealthResponder.register(vertx, SCHEMA))
        .onSuccess(v -> sweeper.start());
  }

  /**
   * SIGTERM (ServiceMain) and tests: this node stops being a destination of session requests (its service
   * bindings leave the cluster's subscriptions, the other nodes answer) and hands its live sessions on
   * ({@link SessionDrain}). The bindings stay registered here until {@link #stop}: a request that still
   * reaches this node is answered, not dropped ({@link Withdrawal}).
   */
  @Override
  public Future<Void> drain() {
    if (drain == null) return Future.succeededFuture();
    if (sweeper != null) sweeper.stop();
    if (orphans != null) orphans.stop();
    return drain.drain();
  }

  @Override
  public Future<?> stop() {
    if (sweeper != null) sweeper.stop();
    if (orphans != null) orphans.stop();
    Future<Void> unbind = binding == null ? Future.succeededFuture() : binding.unregister();
    if (runtimeBinding != null) unbind = unbind.transform(ar -> runtimeBinding.unregister());
    return unbind.transform(ar -> router == null ? Future.succeededFuture() : router.stop())
        .transform(ar -> pool == null ? Future.succeededFuture() : pool.close());
  }

  private int poolSize() {
    return Settings.of(config()).integer(POOL_SIZE, 16, 1, Integer.MAX_VALUE);
  }

  /** For tests and benchmarks on the same node. */
  public SessionRouter router() {
    return router;
  }
}
