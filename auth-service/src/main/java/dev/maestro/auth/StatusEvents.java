package dev.maestro.auth;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Publishes {@code {credentialId, userId, status}} on {@link Addresses#CREDENTIAL_STATUS}, the public
 * {@code credential.status} envelope on {@link Addresses#EVENTS} for integrators (BUS.md), and
 * {@code {credentialId, reason}} on {@link Addresses#CREDENTIAL_CHANGED} once a change is committed
 * (provider-service caches resolved secrets and drops them on either).
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

  /** The credential's secret changed (a refresh) or the credential is gone; call after the commit. */
  public void changed(String credentialId, String reason) {
    vertx.eventBus().publish(Addresses.CREDENTIAL_CHANGED, new JsonObject().put("credentialId", credentialId).put("reason", reason));
  }
}
