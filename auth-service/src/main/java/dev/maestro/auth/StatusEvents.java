package dev.maestro.auth;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Publishes {@code {credentialId, userId, status}} on {@link Addresses#CREDENTIAL_STATUS}, and the public
 * {@code credential.status} envelope on {@link Addresses#EVENTS} for integrators (BUS.md).
 */
public final class StatusEvents {
  private final Vertx vertx;

  public StatusEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  public void publish(String credentialId, String userId, String status) {
    vertx.eventBus().publish(Addresses.CREDENTIAL_STATUS,
        new JsonObject().put("credentialId", credentialId).put("userId", userId).put("status", status));
    IntegrationEvents.publish(vertx.eventBus(), IntegrationEvents.credentialStatus(userId, credentialId, status));
  }
}
