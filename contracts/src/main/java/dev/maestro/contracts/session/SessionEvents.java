package dev.maestro.contracts.session;

import dev.maestro.contracts.Addresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The session events of API.md. The session verticle publishes
 * {@code {"type":"event","sessionId","seq","event":{...}}} to {@link Addresses#sessionEvents};
 * the gateway forwards those envelopes to WebSocket subscribers unchanged.
 *
 * <p>On the bus an envelope is serialized once by its publisher: the message body is a
 * {@link Buffer} holding the envelope's JSON text (UTF-8), with its {@code seq} in the
 * {@link #SEQ_HEADER} header (events without a seq, like {@code presence}, have none), so a relay
 * such as the gateway writes the bytes to its sockets as they are, without parsing them. Read a body
 * with {@link #read(Object)}.
 */
public final class SessionEvents {
  private SessionEvents() {}

  public static final String TURN_STARTED = "turn_started";
  public static final String MESSAGE_STARTED = "message_started";
  public static final String DELTA = "delta";
  public static final String THINKING_DELTA = "thinking_delta";
  public static final String TOOL_CALL = "tool_call";
  public static final String APPROVAL_REQUIRED = "approval_required";
  public static final String TOOL_RESULT = "tool_result";
  /** A running MCP tool asks the user for input (MCP elicitation, form mode); answer with answerElicitation. */
  public static final String ELICITATION_REQUIRED = "elicitation_required";
  /** The elicitation was answered, timed out or cancelled: action accept | decline | cancel. */
  public static final String ELICITATION_RESOLVED = "elicitation_resolved";
  public static final String MESSAGE_COMPLETED = "message_completed";
  public static final String TURN_ERROR = "turn_error";
  public static final String TURN_COMPLETED = "turn_completed";
  public static final String PRESENCE = "presence";
  /** A model answered overloaded/5xx/429 before its first delta; the next fallback model of the session takes the request. */
  public static final String MODEL_FALLBACK = "model_fallback";
  /** Added by session-service: older messages were replaced by a summary (compact or automatic). */
  public static final String COMPACTED = "compacted";
  /** Added by session-service: a compaction the user asked for did not succeed. */
  public static final String COMPACTION_FAILED = "compaction_failed";
  /**
   * Added by session-service, only in answers to {@code events(afterSeq)} and follows (never published):
   * the events numbered {@code fromSeq}..{@code throughSeq} that the answer does not carry will never be
   * delivered, so a message streamed in that range cannot be rebuilt from events; the stored messages are
   * complete. The marker's own envelope takes seq {@code throughSeq}: with it the client's seq numbers
   * are contiguous again. Two causes: the held events of a very long turn were capped (no {@code turnId}:
   * reload the turn in flight's messages once it ends), or an owner hands out an earlier owner's stored
   * turn end whose other events it never held (issue 17, a partition; {@code turnId}: the turn whose
   * {@code turn_completed} follows — reload its stored messages now). {@code fromSeq} and {@code turnId}
   * were added later: a client that reads only {@code throughSeq} still works.
   */
  public static final String TRUNCATED = "truncated";
  /** Added by session-service after a turn that changed files of a project worktree: {turnId, files:[path]}. */
  public static final String FILES_CHANGED = "files_changed";
  /** Added by session-service when a turn of a project session starts with AGENTS.md rules: {turnId, files:[path]}. */
  public static final String RULES_LOADED = "rules_loaded";

  /** Message statuses. */
  public static final String COMPLETE = "complete";
  public static final String STREAMING = "streaming";
  public static final String INTERRUPTED = "interrupted";
  public static final String ERROR = "error";
  public static final String CANCELLED = "cancelled";

  /** Issue 16: a message was stored to run later: {messageId, mode: queue | steer}. */
  public static final String MESSAGE_QUEUED = "message_queued";
  /** Issue 16: an approval nobody answered in time was denied: {callId, name}. */
  public static final String APPROVAL_EXPIRED = "approval_expired";

  /** The message header holding a published envelope's seq (decimal), absent for events without one. */
  public static final String SEQ_HEADER = "seq";
  /** The header with the publishing owner's epoch (the envelope's {@code epoch} field too). */
  public static final String EPOCH_HEADER = "epoch";

  /** The bytes published for an envelope: its JSON text, UTF-8 (what a WebSocket client receives). */
  public static Buffer encode(JsonObject envelope) {
    return envelope.toBuffer();
  }

  /**
   * Publishes an envelope already serialized by {@link #encode} to {@link Addresses#sessionEvents};
   * seq &lt; 0: none (presence). The bytes are not copied: do not change them afterwards.
   */
  public static void publish(EventBus bus, String sessionId, long seq, Buffer envelope) {
    publish(bus, sessionId, seq, -1, envelope);
  }

  /**
   * As {@link #publish(EventBus, String, long, Buffer)}, with the publisher's owner epoch (issue 17) in
   * the {@link #EPOCH_HEADER} header too (epoch &lt; 0: none), so a relay can drop a stale owner's events
   * without parsing them.
   */
  public static void publish(EventBus bus, String sessionId, long seq, long epoch, Buffer envelope) {
    bus.publish(Addresses.sessionEvents(sessionId), envelope, headers(sessionId, seq, epoch));
  }

  /** The header naming the session of an event sent to a node inbox (one address for all sessions). */
  public static final String SESSION_HEADER = "sessionId";

  /** The headers of a session event on the bus: its session, seq and epoch (seq, epoch &lt; 0: none). */
  public static DeliveryOptions headers(String sessionId, long seq, long epoch) {
    DeliveryOptions options = new DeliveryOptions().addHeader(SESSION_HEADER, sessionId);
    if (seq >= 0) options.addHeader(SEQ_HEADER, Long.toString(seq));
    if (epoch >= 0) options.addHeader(EPOCH_HEADER, Long.toString(epoch));
    return options;
  }

  /**
   * A session event as received from the bus: the body is a Buffer of JSON text (a JsonObject from a
   * publisher older than issue 14 is accepted too); null when it is neither.
   */
  public static JsonObject read(Object body) {
    if (body instanceof Buffer b) return new JsonObject(b);
    if (body instanceof JsonObject j) return j;
    if (body instanceof String s) return new JsonObject(s);
    return null;
  }

  /** The seq of a received session event from its header, or -1 when it has none (or it is not a number). */
  public static long seqHeader(io.vertx.core.MultiMap headers) {
    return longHeader(headers, SEQ_HEADER);
  }

  /** The owner epoch of a received session event from its header, or -1 when it has none. */
  public static long epochHeader(io.vertx.core.MultiMap headers) {
    return longHeader(headers, EPOCH_HEADER);
  }

  private static long longHeader(io.vertx.core.MultiMap headers, String name) {
    String s = headers == null ? null : headers.get(name);
    if (s == null) return -1;
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public static JsonObject envelope(String sessionId, long seq, JsonObject event) {
    return new JsonObject().put("type", "event").put("sessionId", sessionId).put("seq", seq).put("event", event);
  }

  /** The envelope's field naming the owner epoch of the live copy that published it (see {@link #envelope(String, long, long, JsonObject)}). */
  public static final String EPOCH = "epoch";

  /**
   * An envelope stamped with the publisher's owner epoch (issue 17): each activation of a session takes
   * a higher epoch from PostgreSQL, so a follower that has seen epoch n drops anything stamped below n —
   * what a stale owner (a partitioned node still streaming) publishes after the takeover.
   */
  public static JsonObject envelope(String sessionId, long seq, long epoch, JsonObject event) {
    return envelope(sessionId, seq, event).put(EPOCH, epoch);
  }

  public static JsonObject turnStarted(String turnId) {
    return new JsonObject().put("type", TURN_STARTED).put("turnId", turnId);
  }

  public static JsonObject messageStarted(String messageId, String role) {
    return new JsonObject().put("type", MESSAGE_STARTED).put("messageId", messageId).put("role", role);
  }

  public static JsonObject delta(String text) {
    return new JsonObject().put("type", DELTA).put("text", text);
  }

  public static JsonObject thinkingDelta(String text) {
    return new JsonObject().put("type", THINKING_DELTA).put("text", text);
  }

  public static JsonObject toolCall(String callId, String name, JsonObject arguments) {
    return new JsonObject().put("type", TOOL_CALL).put("callId", callId).put("name", name).put("arguments", arguments);
  }

  public static JsonObject approvalRequired(String callId, String name, JsonObject arguments) {
    return new JsonObject().put("type", APPROVAL_REQUIRED).put("callId", callId).put("name", name).put("arguments", arguments);
  }

  /** schema: the server's requestedSchema (a flat object of primitive properties, each maybe with a default). */
  public static JsonObject elicitationRequired(String callId, String elicitationId, String server, String message,
                                               JsonObject schema) {
    return new JsonObject().put("type", ELICITATION_REQUIRED).put("callId", callId).put("elicitationId", elicitationId)
        .put("server", server).put("message", message).put("schema", schema);
  }

  public static JsonObject elicitationResolved(String elicitationId, String action) {
    return new JsonObject().put("type", ELICITATION_RESOLVED).put("elicitationId", elicitationId).put("action", action);
  }

  public static JsonObject toolResult(String callId, JsonArray content, boolean isError) {
    return new JsonObject().put("type", TOOL_RESULT).put("callId", callId).put("content", content).put("isError", isError);
  }

  public static JsonObject messageCompleted(String messageId, long inputTokens, long outputTokens) {
    return new JsonObject().put("type", MESSAGE_COMPLETED).put("messageId", messageId)
        .put("usage", new JsonObject().put("inputTokens", inputTokens).put("outputTokens", outputTokens));
  }

  /**
   * message_completed with the message's stored usage: the tokens and, when the session priced it,
   * {@code costUsd} — the one figure every client (web UI, TUI) shows, so none needs a price table.
   */
  public static JsonObject messageCompleted(String messageId, JsonObject storedUsage) {
    JsonObject event = messageCompleted(messageId, storedUsage.getLong("inputTokens", 0L), storedUsage.getLong("outputTokens", 0L));
    if (storedUsage.getValue("costUsd") instanceof Number cost) {
      event.getJsonObject("usage").put("costUsd", cost.doubleValue());
    }
    // which model answered (a fallback model may have taken the request)
    if (storedUsage.getString("model") != null) {
      event.getJsonObject("usage").put("provider", storedUsage.getString("provider")).put("model", storedUsage.getString("model"));
    }
    return event;
  }

  public static JsonObject turnError(String code, String message) {
    return new JsonObject().put("type", TURN_ERROR).put("code", code).put("message", message);
  }

  public static JsonObject turnCompleted(String turnId, String status) {
    return new JsonObject().put("type", TURN_COMPLETED).put("turnId", turnId).put("status", status);
  }

  public static JsonObject compacted(String summaryMessageId, int compactedMessages) {
    return new JsonObject().put("type", COMPACTED).put("summaryMessageId", summaryMessageId)
        .put("compactedMessages", compactedMessages);
  }

  public static JsonObject compactionFailed(String code, String message) {
    return new JsonObject().put("type", COMPACTION_FAILED).put("code", code).put("message", message);
  }

  public static JsonObject truncated(long throughSeq) {
    return new JsonObject().put("type", TRUNCATED).put("throughSeq", throughSeq)
        .put("message", "earlier events of this turn are no longer held; stored messages are complete");
  }

  /**
   * The marker announcing that the events fromSeq..throughSeq not carried by the same answer are gone
   * (see {@link #TRUNCATED}); turnId (may be null): the turn whose stored messages hold what they said.
   */
  public static JsonObject truncated(long fromSeq, long throughSeq, String turnId) {
    JsonObject event = new JsonObject().put("type", TRUNCATED).put("fromSeq", fromSeq).put("throughSeq", throughSeq);
    if (turnId != null) {
      return event.put("turnId", turnId)
          .put("message", "events of this turn were published by an earlier owner and are not held; its stored messages are complete");
    }
    return event.put("message", "earlier events of this turn are no longer held; stored messages are complete");
  }

  public static JsonObject presence(JsonArray openIn) {
    return new JsonObject().put("type", PRESENCE).put("openIn", openIn);
  }

  /** from, to: {provider, model}; code and message: why the first one did not answer. */
  public static JsonObject modelFallback(JsonObject from, JsonObject to, String code, String message) {
    return new JsonObject().put("type", MODEL_FALLBACK).put("from", from).put("to", to).put("code", code).put("message", message);
  }

  public static JsonObject filesChanged(String turnId, JsonArray files) {
    return new JsonObject().put("type", FILES_CHANGED).put("turnId", turnId).put("files", files);
  }

  public static JsonObject rulesLoaded(String turnId, JsonArray files) {
    return new JsonObject().put("type", RULES_LOADED).put("turnId", turnId).put("files", files);
  }
}
