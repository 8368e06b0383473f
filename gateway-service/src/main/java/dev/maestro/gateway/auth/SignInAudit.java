package dev.maestro.gateway.auth;

import dev.maestro.contracts.audit.AuditEvents;
import dev.maestro.platform.AuditTrail;
import dev.maestro.platform.ServiceFailures;
import io.vertx.core.AsyncResult;
import io.vertx.core.json.JsonObject;

/**
 * The audit entry of one password sign-in: success (the user), or failure (wrong name or password:
 * target is the name given, no user). Attempts refused before any password was checked (login rate
 * limit 429, hashing queue full or Redis away 503) are not entries: they are no sign-in, and an
 * attacker could otherwise write rows at will.
 */
final class SignInAudit {
  private SignInAudit() {}

  static void record(AuditTrail trail, String username, String remoteAddress, AsyncResult<JsonObject> ar) {
    if (trail == null) return;
    JsonObject detail = new JsonObject().put("remoteAddress", remoteAddress);
    if (ar.succeeded()) {
      trail.record(ar.result().getString("userId"), AuditEvents.SIGN_IN, ar.result().getString("username"), AuditEvents.SUCCESS, detail);
      return;
    }
    int status = ServiceFailures.toProblem(ar.cause()).getInteger("status", 500);
    if (status != 401) return;
    trail.record(null, AuditEvents.SIGN_IN, username == null ? null : username, AuditEvents.FAILURE, detail);
  }
}
