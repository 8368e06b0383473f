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

  /** Writes the entries one after the other in one event-loop task → how many INSERTs stored them. */
  public static Future<Long> writeAll(Vertx vertx, Pool pool, java.util.List<JsonObject> entries) {
    AuditLog log = new AuditLog(vertx, pool);
    io.vertx.core.Promise<Long> done = io.vertx.core.Promise.promise();
    vertx.runOnContext(v -> {
      java.util.List<Future<Void>> all = new java.util.ArrayList<>();
      for (JsonObject e : entries) all.add(log.write(e));
      Future.join(all).onComplete(ar -> done.complete(log.statements));
    });
    return done.future();
  }
}
