package dev.maestro.contracts.audit;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * The shape of one audit entry, as every service sends it to {@link dev.maestro.contracts.Addresses#AUDIT}:
 * {@code {"at","userId","action","target","outcome","detail"}}. {@code at} is when it happened (RFC 3339
 * UTC); {@code userId} who did it (null for an unknown name at sign-in); {@code action} what (the
 * operationId of a front-door operation, or one of the constants below); {@code target} on what (an id or
 * a name, at most 200 characters); {@code outcome} one of {@link #SUCCESS}, {@link #FAILURE},
 * {@link #DENIED}; {@code detail} a small object of non-secret facts (never a secret, a password or a
 * message text).
 */
public final class AuditEvents {
  private AuditEvents() {}

  /** A password sign-in (web form or {@code POST /api/v1/auth/token}); target = the username given. */
  public static final String SIGN_IN = "signIn";
  /** A turn's model request used a credential; target = credential id, detail {sessionId, turnId, provider, model}. */
  public static final String USE_CREDENTIAL = "useCredential";
  /** A tool call of a turn ran (or was denied); target = tool name, detail {sessionId, callId}. */
  public static final String EXECUTE_TOOL = "executeTool";

  public static final String SUCCESS = "success";
  public static final String FAILURE = "failure";
  /** Refused by a policy, a role or a user's decision. */
  public static final String DENIED = "denied";

  public static final int MAX_TARGET = 200;

  public static JsonObject entry(String userId, String action, String target, String outcome, JsonObject detail) {
    return new JsonObject().put("at", Instant.now().toString()).put("userId", userId).put("action", action)
        .put("target", target == null ? null : target.length() > MAX_TARGET ? target.substring(0, MAX_TARGET) : target)
        .put("outcome", outcome).put("detail", detail == null ? new JsonObject() : detail);
  }
}
