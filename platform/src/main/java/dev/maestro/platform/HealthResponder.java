package dev.maestro.platform;

import dev.maestro.contracts.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/** Answers the gateway's health ping for one service on {@link Addresses#health}. */
public final class HealthResponder {
  private HealthResponder() {}

  public static Future<MessageConsumer<Object>> register(Vertx vertx, String service) {
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(Addresses.health(service),
        msg -> msg.reply(new JsonObject().put("status", "UP").put("service", service)));
    return consumer.completion().map(consumer);
  }
}
