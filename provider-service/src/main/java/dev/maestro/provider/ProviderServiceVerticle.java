package dev.maestro.provider;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.platform.Database;
import dev.maestro.platform.HealthResponder;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;

/** provider-service: migrates schema `provider`, registers {@link ProviderService} and its health responder. */
public class ProviderServiceVerticle extends VerticleBase {
  public static final String SCHEMA = "provider";
  private UpstreamClients clients;
  private Credentials credentials;
  private ServiceBinder binder;
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<JsonObject> cancels;
  private dev.maestro.platform.DeadRequesterWatch requesters;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    ProviderSettings settings = ProviderSettings.from(config());
    BusSink.registerErrorCodes(vertx);
    clients = new UpstreamClients(vertx, settings, cfg.outboundPolicy());
    credentials = new Credentials(AuthService.createProxy(vertx), ProviderSettings.credentialTtlMillis(config()), System::currentTimeMillis);
    requesters = dev.maestro.platform.DeadRequesterWatch.start(vertx);
    ProviderServiceImpl impl = new ProviderServiceImpl(vertx, settings, credentials, clients, requesters);
    return credentials.listen(vertx).compose(v -> Database.migrate(vertx, cfg, SCHEMA))
        .compose(applied -> {
          binder = new ServiceBinder(vertx).setAddress(ProviderService.ADDRESS);
          consumer = binder.register(ProviderService.class, ServiceFailures.guarded(ProviderService.class, impl, "provider-service"));
          cancels = impl.listenForCancels();
          return Future.all(consumer.completion(), cancels.completion());
        })
        .compose(v -> HealthResponder.register(vertx, SCHEMA));
  }

  @Override
  public Future<?> stop() {
    if (binder != null && consumer != null) binder.unregister(consumer);
    if (cancels != null) cancels.unregister();
    if (credentials != null) credentials.close();
    if (requesters != null) requesters.stop();
    return clients == null ? Future.succeededFuture() : clients.close();
  }
}
