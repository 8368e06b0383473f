package dev.maestro.contracts.provider;

import dev.maestro.contracts.Addresses;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;

import java.util.List;

/**
 * Normalized access to model providers. A completion is not one long request/reply: {@link #stream}
 * acknowledges at once and then sends {@link ProviderEvents} to {@code replyAddress}, ending with
 * exactly one {@code done} or {@code error}.
 */
@ProxyGen
@VertxGen
public interface ProviderService {
  String ADDRESS = Addresses.PROVIDER_SERVICE;

  static ProviderService createProxy(Vertx vertx) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(20_000)).build(ProviderService.class);
  }

  /**
   * request: {@link ChatRequest} JSON. Events go to replyAddress tagged with streamId; the returned
   * future completes once the stream is accepted (not when it ends).
   */
  Future<Void> stream(JsonObject request, String replyAddress, String streamId);

  /** Closes the upstream connection of that stream at once; its last event is {@code error/cancelled}. */
  Future<Void> cancel(String streamId);

  /** → [{id, provider, displayName, contextWindow?}]. */
  Future<List<JsonObject>> listModels(String provider, String credentialId);

  /** A cheap authenticated call → {ok, message}. */
  Future<JsonObject> validateCredential(String credentialId);
}
