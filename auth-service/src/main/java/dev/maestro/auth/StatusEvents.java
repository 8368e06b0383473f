package dev.maestro.auth;

import dev.maestro.contracts.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Publishes {@code {credentialId, userId, status}} on {@link Addresses#CREDENTIAL_STATUS}, and
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
  }

  /** The credential's secret changed (a refresh) or the credential is gone; call after the commit. */
  public void changed(String credentialId, String reason) {
    vertx.eventBus().publish(Addresses.CREDENTIAL_CHANGED, new JsonObject().put("credentialId", credentialId).put("reason", reason));
  }
}
