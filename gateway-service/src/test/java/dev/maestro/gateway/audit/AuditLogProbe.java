package dev.maestro.gateway.audit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

/** Test access to {@link AuditLog#write}. */
public final class AuditLogProbe {
  private AuditLogProbe() {}

  public static Future<Void> write(Vertx vertx, Pool pool, JsonObject entry) {
    return new AuditLog(vertx, pool).write(entry);
  }
}
