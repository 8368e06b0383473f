package dev.maestro.gateway.api;

import dev.maestro.contracts.audit.AuditEvents;
import dev.maestro.gateway.auth.Principal;
import dev.maestro.platform.AuditTrail;
import dev.maestro.platform.ServiceFailures;
import io.vertx.core.AsyncResult;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * Audits every state-changing operation of the front door (token revocation, credentials, users, MCP
 * servers, templates, tools, approvals, sends ... whoever calls: JSON API, WebSocket or web page) with
 * the operationId as the action. Reads are not audited, nor calls refused before anyone was known (401)
 * or for the rate limit (429): those would let a caller fill the trail at will. The detail holds the
 * path parameters, the status of a failure and a few named body fields that are never secret (the body
 * itself may hold passwords and API keys, so it is never copied).
 */
final class FrontDoorAudit {
  /** Body fields copied into the detail: names, roles, decisions, switches; never secrets or text. */
  private static final List<String> SAFE_FIELDS = List.of("decision", "role", "username", "name", "provider", "label",
      "enabled", "policy", "transport", "model", "action");

  private final AuditTrail trail;

  FrontDoorAudit(AuditTrail trail) {
    this.trail = trail;
  }

  void after(String operationId, JsonObject spec, Caller caller, Map<String, String> path, JsonObject input, AsyncResult<Reply> ar) {
    if ("GET".equals(spec.getString("method")) || spec.getBoolean("public", false)) return;
    Principal p = caller == null ? null : caller.principal();
    if (p == null || p.userId() == null) return;
    JsonObject detail = new JsonObject();
    String outcome = AuditEvents.SUCCESS;
    if (ar.failed()) {
      int status = ServiceFailures.toProblem(ar.cause()).getInteger("status", 500);
      if (status == 401 || status == 429) return;
      outcome = status == 403 ? AuditEvents.DENIED : AuditEvents.FAILURE;
      detail.put("status", status);
    }
    String target = null;
    if (path != null) {
      for (Map.Entry<String, String> e : path.entrySet()) {
        if (e.getValue() == null || e.getValue().length() > 200) continue;
        detail.put(e.getKey(), e.getValue());
        if (target == null || "id".equals(e.getKey())) target = e.getValue();
      }
    }
    if (input != null) {
      for (String f : SAFE_FIELDS) {
        Object v = input.getValue(f);
        if (v instanceof Boolean || (v instanceof String s && s.length() <= 200)) detail.put(f, v);
      }
    }
    if (p.tokenId() != null) detail.put("tokenId", p.tokenId());
    trail.record(p.userId(), operationId, target, outcome, detail);
  }
}
