package dev.maestro.auth;

import dev.maestro.auth.crypto.KeyRing;
import dev.maestro.auth.crypto.MasterKeySource;
import dev.maestro.auth.crypto.SecretBox;
import dev.maestro.auth.oauth.OAuth2Client;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.platform.Database;
import dev.maestro.platform.HealthResponder;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import dev.maestro.platform.net.OutboundHttp;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** auth-service: loads the master key, migrates schema `auth`, serves AuthService and runs the refresh timer. */
public class AuthServiceVerticle extends VerticleBase {
  public static final String SCHEMA = "auth";
  /** How often the refresh timer looks for due credentials (ms). */
  public static final String REFRESH_PERIOD_MS = "MAESTRO_AUTH_REFRESH_PERIOD_MS";
  /** How long before expiry a token is refreshed (capped at a quarter of its lifetime). */
  public static final String REFRESH_MARGIN_SECONDS = "MAESTRO_AUTH_REFRESH_MARGIN_SECONDS";
  /** Parallel refreshes per instance. */
  public static final String REFRESH_WORKERS = "MAESTRO_AUTH_REFRESH_WORKERS";

  private static final Logger LOG = LoggerFactory.getLogger(AuthServiceVerticle.class);

  private Pool pool;
  private HttpClient web;
  private MessageConsumer<JsonObject> consumer;
  private long timerId = -1;
  private long purgeTimerId = -1;
  static final long PURGE_PERIOD_MS = 3_600_000;
  private boolean refreshRunning;
  private boolean stopping;
  private TokenRefresher refresher;
  private OAuthFlows flows;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    Settings settings = Settings.of(config());
    long period = settings.whole(REFRESH_PERIOD_MS, 10_000, 1, Long.MAX_VALUE);
    double margin = settings.whole(REFRESH_MARGIN_SECONDS, 300, 0, Long.MAX_VALUE);
    int workers = settings.integer(REFRESH_WORKERS, 4, 1, Integer.MAX_VALUE);
    RefreshPolicy policy = new RefreshPolicy(margin, RefreshPolicy.DEFAULT.backoffBaseSeconds(), RefreshPolicy.DEFAULT.backoffMaxSeconds());
    return vertx.executeBlocking(() -> MasterKeySource.load(cfg), false)
        .compose(keys -> Database.migrate(vertx, cfg, SCHEMA).map(applied -> keys))
        .compose(keys -> {
          pool = Database.pool(vertx, cfg, SCHEMA, 4 + workers * 2);
          web = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(10_000).setVerifyHost(true));
          AuthService service = build(keys, policy, new OutboundHttp(vertx, cfg.outboundPolicy()));
          consumer = new ServiceBinder(vertx).setAddress(AuthService.ADDRESS).register(AuthService.class, ServiceFailures.guarded(AuthService.class, service, "auth-service"));
          timerId = vertx.setPeriodic(period, period, t -> refreshRound(workers));
          // abandoned OAuth states are deleted a day after they expire: once an hour is soon enough (it
          // ran with every refresh round, a DELETE every 10 s on an idle system)
          purgeTimerId = vertx.setPeriodic(PURGE_PERIOD_MS, PURGE_PERIOD_MS, t -> flows.purgeOldStates()
              .onFailure(err -> {
                if (!stopping) LOG.warn("purging old OAuth states failed: {}", err.getMessage());
              }));
          LOG.info("auth-service ready (master key {}, refresh every {} ms)", keys.current().idHex(), period);
          return consumer.completion().compose(v -> HealthResponder.register(vertx, SCHEMA));
        });
  }

  private AuthService build(KeyRing keys, RefreshPolicy policy, OutboundHttp outboundHttp) {
    Outbound outbound = new Outbound(outboundHttp, web);
    SecretBox box = new SecretBox(keys);
    StatusEvents events = new StatusEvents(vertx);
    OAuth2Client tokens = new OAuth2Client(vertx, outboundHttp);
    OAuthClientStore clients = new OAuthClientStore(pool, box);
    CredentialStore credentials = new CredentialStore(pool, box, policy);
    refresher = new TokenRefresher(pool, box, tokens, clients, events, policy).metrics(dev.maestro.platform.Observability.registry(vertx));
    flows = new OAuthFlows(vertx, pool, box, clients, credentials, tokens, outbound);
    McpAuth mcp = new McpAuth(pool, outbound, box, clients, flows, refresher, MaestroConfig.of(config()).oauthClientMetadataUrl());
    return new AuthServiceImpl(vertx, credentials, clients, flows, refresher, events, mcp, outbound);
  }

  /** One round at a time per instance; other instances run theirs concurrently (rows are claimed). */
  private void refreshRound(int workers) {
    if (refreshRunning) return;
    refreshRunning = true;
    refresher.refreshDue(workers)
        .onFailure(err -> {
          if (!stopping) LOG.warn("refresh round failed: {}", err.getMessage());
        })
        .onComplete(ar -> refreshRunning = false);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (timerId >= 0) vertx.cancelTimer(timerId);
    if (purgeTimerId >= 0) vertx.cancelTimer(purgeTimerId);
    Future<Void> unreg = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unreg.compose(v -> pool == null ? Future.succeededFuture() : pool.close())
        .onComplete(ar -> {
          if (web != null) web.close();
        });
  }
}
