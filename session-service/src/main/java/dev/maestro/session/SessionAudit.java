package dev.maestro.session;

import dev.maestro.contracts.audit.AuditEvents;
import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.platform.AuditTrail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The audit entries a turn makes (issue 17): each model request's credential use (which credential, which
 * session and turn; never the secret, which session-service never holds) once its stream ended, and each
 * tool call's execution or refusal. Sent fire-and-forget (see {@link AuditTrail}): nothing here waits.
 */
final class SessionAudit {
  private SessionAudit() {}

  /** Records the credential use of one provider stream when it ends (success, or failure with its code). */
  static void credentialUsed(Vertx vertx, LiveState live, String turnId, ChatRequest request, Future<String> end) {
    String userId = live.session == null ? null : live.session.getString("userId");
    JsonObject detail = new JsonObject().put("sessionId", live.sessionId).put("turnId", turnId)
        .put("provider", request.getProvider()).put("model", request.getModel());
    end.onComplete(ar -> {
      String outcome = AuditEvents.SUCCESS;
      if (ar.failed()) {
        ProviderFailure pf = ProviderFailure.of(ar.cause());
        detail.put("code", pf.code);
        // a stream this side cancelled used the credential fine
        if (!ProviderEvents.CANCELLED.equals(pf.code)) outcome = AuditEvents.FAILURE;
      }
      new AuditTrail(vertx).record(userId, AuditEvents.USE_CREDENTIAL, request.getCredentialId(), outcome, detail);
    });
  }

  /** Records one tool call: ran (success or failure by its isError) or refused (denied). */
  static void toolCall(Vertx vertx, String userId, String sessionId, String callId, String name, String outcome) {
    new AuditTrail(vertx).record(userId, AuditEvents.EXECUTE_TOOL, name, outcome,
        new JsonObject().put("sessionId", sessionId).put("callId", callId));
  }
}
