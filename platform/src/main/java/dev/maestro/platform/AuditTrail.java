package dev.maestro.platform;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.audit.AuditEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How any service records an audit entry: one fire-and-forget {@code send} on the bus to the gateway's
 * writer ({@link Addresses#AUDIT}). Nothing waits for it and nothing it does can fail the caller's
 * request: the user's turn or call must not slow down or break because the audit store is slow or away
 * (the writer logs an entry it could not store).
 */
public final class AuditTrail {
  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
  private final Vertx vertx;

  public AuditTrail(Vertx vertx) {
    this.vertx = vertx;
  }

  public void record(String userId, String action, String target, String outcome, JsonObject detail) {
    record(AuditEvents.entry(userId, action, target, outcome, detail));
  }

  public void record(JsonObject entry) {
    try {
      vertx.eventBus().send(Addresses.AUDIT, entry);
    } catch (RuntimeException e) {
      LOG.warn("audit entry {} {} not sent: {}", entry.getString("action"), entry.getString("target"), e.toString());
    }
  }
}
