package dev.maestro.gateway.api;

import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * sendMessage with an optional client-supplied {@code idempotencyKey} (REST body and the WebSocket
 * {@code send} frame): with a key, a resend after a lost answer or a gateway failure does not start a
 * second turn; session-service answers with the first send's ids and {@code duplicate: true}.
 */
public final class SendOnce {
  /** As session-service's limit (SendKeys.MAX_KEY). */
  public static final int MAX_KEY = 200;

  private SendOnce() {}

  /** body: {text, idempotencyKey?} as validated against {@link #schema()}. */
  static Future<JsonObject> send(SessionService sessions, String userId, String sessionId, JsonObject body) {
    String key = body.getString("idempotencyKey");
    return key == null ? sessions.send(userId, sessionId, body.getString("text"))
        : sessions.sendIdempotent(userId, sessionId, body.getString("text"), key);
  }

  /** The JSON schema of the key in the OpenAPI document. */
  static JsonObject schema() {
    return new JsonObject().put("type", "string").put("minLength", 1).put("maxLength", MAX_KEY)
        .put("description", "client-chosen key (e.g. a UUID): a resend with the same key in this session does not start a "
            + "second turn and answers with the first message's messageId and turnId, plus duplicate: true");
  }
}
