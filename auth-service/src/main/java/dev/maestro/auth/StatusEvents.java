package dev.maestro.auth;

import dev.maestro.contracts.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Publishes {@code {credentialId, userId, status}} on {@link Addresses#CREDENTIAL_STATUS}. */
public final class StatusEvents {
  private final Vertx vertx;

  public StatusEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  public void publish(String credentialId, String userId, String status) {
    vertx.eventBus().publish(Addresses.CREDENTIAL_STATUS,
        new JsonObject().put("credentialId", credentialId).put("userId", userId).put("status", status));
  }
}
