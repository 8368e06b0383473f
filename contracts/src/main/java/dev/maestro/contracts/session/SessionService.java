package dev.maestro.contracts.session;

import dev.maestro.contracts.Addresses;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;

/**
 * Sessions, messages, turns and agent templates. Every call names the acting user: a session or
 * template that belongs to somebody else answers {@code NOT_FOUND}, exactly like a missing one.
 * Shapes are those of API.md; parameter names are the wire keys, so never rename them.
 */
@ProxyGen
@VertxGen
public interface SessionService {
  String ADDRESS = Addresses.SESSION_SERVICE;

  static SessionService createProxy(Vertx vertx) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(15_000)).build(SessionService.class);
  }

  /** A proxy whose calls may wait this long (requestElicitation waits for a person). */
  static SessionService createLongProxy(Vertx vertx, long sendTimeoutMs) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(sendTimeoutMs)).build(SessionService.class);
  }

  /** spec: {title?, provider, model, credentialId?, templateId?, systemPrompt?, tools?, params?} → session. */
  Future<JsonObject> create(String userId, JsonObject spec);

  /** query: {q?, limit?, cursor?} → {items:[session summary], nextCursor}. */
  Future<JsonObject> list(String userId, JsonObject query);

  /** → session with messages. */
  Future<JsonObject> get(String userId, String sessionId);

  /** patch: {title?, model?, provider?, credentialId?, tools?} → session. */
  Future<JsonObject> update(String userId, String sessionId, JsonObject patch);

  Future<Void> delete(String userId, String sessionId);

  /** Copies the session up to and including atMessageId (all when null) → new session. */
  Future<JsonObject> fork(String userId, String sessionId, String atMessageId);

  /** Stores the user message, then starts (or refuses) a turn → {messageId, turnId}. */
  Future<JsonObject> send(String userId, String sessionId, String text);

  /**
   * {@link #send} with MCP resources attached: attachments [{serverId, uri}] (at most
   * {@link dev.maestro.contracts.tool.McpAttachments#MAX_PER_MESSAGE}) are read through tool-service and stored
   * with the message as {@code attachment} parts; the model gets them as bounded, untrusted context. An unknown
   * server or resource is 404, a server that is down 503, and nothing is stored.
   */
  Future<JsonObject> sendWithAttachments(String userId, String sessionId, String text, io.vertx.core.json.JsonArray attachments);

  Future<Void> cancel(String userId, String sessionId);

  Future<Void> compact(String userId, String sessionId);

  /** decision: allow | deny. */
  Future<Void> approve(String userId, String sessionId, String callId, String decision);

  /**
   * For tool-service, not for clients: a running tool call asks the session's user for input (MCP
   * elicitation). request: {callId, server, message, schema}. Publishes {@code elicitation_required}
   * and answers only when the user does (or on timeout, turn cancel: action cancel), so call it
   * through a proxy with a long send timeout ({@link #createLongProxy}, {@link ElicitationForm#timeoutMs}).
   * → {action: accept|decline|cancel, content?} (content, with defaults applied, only on accept).
   */
  Future<JsonObject> requestElicitation(String sessionId, JsonObject request);

  /**
   * The user's answer to an {@code elicitation_required}. action: accept | decline | cancel; content
   * (accept only) is completed with the schema's defaults and must then match the schema
   * (BAD_REQUEST otherwise). NOT_FOUND for an unknown id, CONFLICT when already answered.
   */
  Future<Void> answerElicitation(String userId, String sessionId, String elicitationId, String action, JsonObject content);

  /**
   * Succeeds when userId may read the session, NOT_FOUND otherwise (exactly like a missing one): an access
   * check that loads no messages and activates nothing (the WebSocket's {@code subscribe}).
   */
  default Future<Void> checkAccess(String userId, String sessionId) {
    return get(userId, sessionId).mapEmpty();
  }

  /** → {items:[{sessionId, seq, event}]} for every held event with seq &gt; afterSeq. */
  Future<JsonObject> events(String userId, String sessionId, long afterSeq);

  /** format: json | markdown → {contentType, body}. */
  Future<JsonObject> export(String userId, String sessionId, String format);

  /** The JSON export → new session. */
  Future<JsonObject> importSession(String userId, JsonObject export);

  /** Template: {name, description, provider, model, systemPrompt, tools, params}. */
  Future<JsonObject> createTemplate(String userId, JsonObject template);

  Future<JsonObject> listTemplates(String userId, JsonObject query);

  Future<JsonObject> getTemplate(String userId, String templateId);

  Future<JsonObject> updateTemplate(String userId, String templateId, JsonObject template);

  Future<Void> deleteTemplate(String userId, String templateId);

  /**
   * As {@link #send}, idempotent under the client's key (1..200 characters): when this session already
   * has a message sent with idempotencyKey, no second turn starts and the answer is the first send's
   * {messageId, turnId, duplicate: true}.
   */
  Future<JsonObject> sendIdempotent(String userId, String sessionId, String text, String idempotencyKey);
}
