package dev.maestro.session;

import io.vertx.core.json.JsonObject;

/**
 * What {@link SessionServiceImpl} asks a session's live owner to do. Typed on both ends; the JSON
 * form exists only because a command may cross the cluster to the owner's node
 * ({@link SessionRouter}), so {@link #toJson} and {@link #fromJson} are the one place that knows the
 * wire names.
 */
sealed interface LiveCommand {
  /**
   * Starts a turn with the user's text; refused (CONFLICT) while one runs. attachments: MCP resources to attach,
   * [{serverId, uri}] (empty when none), read by the owner; idempotencyKey: the client's key (null: none), see SendKeys.
   */
  record Send(String text, io.vertx.core.json.JsonArray attachments, String idempotencyKey) implements LiveCommand {
    Send(String text) {
      this(text, new io.vertx.core.json.JsonArray(), null);
    }

    Send(String text, io.vertx.core.json.JsonArray attachments) {
      this(text, attachments, null);
    }

    Send(String text, String idempotencyKey) {
      this(text, new io.vertx.core.json.JsonArray(), idempotencyKey);
    }
  }

  record Cancel() implements LiveCommand {}

  /** decision: allow | deny. */
  record Approve(String callId, String decision) implements LiveCommand {}

  /** From tool-service: {callId, server, message, schema}; answered when the user is. */
  record Elicit(JsonObject request) implements LiveCommand {}

  record AnswerElicitation(String elicitationId, String action, JsonObject content) implements LiveCommand {}

  record Events(long afterSeq) implements LiveCommand {}

  /**
   * Issue 14: the node inbox {@code inbox} follows this session under a lease (renewed by the same command;
   * unfollow ends it); afterSeq non-null: the held events after it come with the answer.
   */
  record Follow(String inbox, String token, Long afterSeq, boolean unfollow) implements LiveCommand {}

  record Compact() implements LiveCommand {}

  /** {lastSeq, turnId, owner, heldEvents}: for tests and operations. */
  record State() implements LiveCommand {}

  /** Cancels any turn and lets the session go (before it is deleted). */
  record Evict() implements LiveCommand {}

  /**
   * The node drains (SessionDrain): queued messages no longer start here; once no turn or compaction runs,
   * the session refuses every further command as moved, so nothing new starts before it is released.
   * Answers {busy, turnId}.
   */
  record Hold() implements LiveCommand {}

  /** Issue 16: queue and steer, allow for the session ({@link SessionRuntimeParts#handle}). */
  record Runtime(JsonObject body) implements LiveCommand {}

  /**
   * Issue 14: the session was edited (its stored row, as updated): the live owner keeps it, so a turn
   * neither re-reads the row nor asks who may use the session.
   */
  record SessionChanged(JsonObject session) implements LiveCommand {}

  /**
   * command on behalf of userId: the live owner answers from the row it keeps whether userId may use the
   * session (NOT_FOUND otherwise, exactly like a missing session), so a live session needs no SELECT.
   */
  record AsUser(String userId, LiveCommand command) implements LiveCommand {}

  static JsonObject toJson(LiveCommand c) {
    // (Java 17: no pattern switch yet, so one instanceof per kind)
    JsonObject j = new JsonObject();
    if (c instanceof AsUser a) return toJson(a.command()).put("asUser", a.userId());
    if (c instanceof SessionChanged sc) return j.put("op", "sessionChanged").put("session", sc.session());
    if (c instanceof Send s) return j.put("op", "send").put("text", s.text()).put("attachments", s.attachments())
        .put("idempotencyKey", s.idempotencyKey());
    if (c instanceof Cancel) return j.put("op", "cancel");
    if (c instanceof Approve a) return j.put("op", "approve").put("callId", a.callId()).put("decision", a.decision());
    if (c instanceof Elicit e) return j.put("op", "elicit").put("request", e.request());
    if (c instanceof AnswerElicitation a) {
      return j.put("op", "answerElicitation").put("elicitationId", a.elicitationId()).put("action", a.action())
          .put("content", a.content());
    }
    if (c instanceof Events e) return j.put("op", "events").put("afterSeq", e.afterSeq());
    if (c instanceof Follow f) {
      return j.put("op", "follow").put("inbox", f.inbox()).put("token", f.token()).put("afterSeq", f.afterSeq())
          .put("unfollow", f.unfollow());
    }
    if (c instanceof Compact) return j.put("op", "compact");
    if (c instanceof State) return j.put("op", "state");
    if (c instanceof Evict) return j.put("op", "evict");
    if (c instanceof Hold) return j.put("op", "hold");
    if (c instanceof Runtime r) return j.put("op", "runtime").put("body", r.body());
    throw new IllegalArgumentException("unknown live command " + c);
  }

  /** The command of a JSON form this service wrote; unknown ops are a programming error between versions. */
  static LiveCommand fromJson(JsonObject j) {
    String asUser = j.getString("asUser");
    LiveCommand c = parse(j);
    return asUser == null ? c : new AsUser(asUser, c);
  }

  private static LiveCommand parse(JsonObject j) {
    return switch (j.getString("op", "")) {
      case "sessionChanged" -> new SessionChanged(j.getJsonObject("session"));
      case "send" -> new Send(j.getString("text"), j.getJsonArray("attachments", new io.vertx.core.json.JsonArray()),
          j.getString("idempotencyKey"));
      case "cancel" -> new Cancel();
      case "approve" -> new Approve(j.getString("callId"), j.getString("decision"));
      case "elicit" -> new Elicit(j.getJsonObject("request"));
      case "answerElicitation" -> new AnswerElicitation(j.getString("elicitationId"), j.getString("action"),
          j.getJsonObject("content"));
      case "events" -> new Events(j.getLong("afterSeq", 0L));
      case "follow" -> new Follow(j.getString("inbox"), j.getString("token"), j.getLong("afterSeq"), j.getBoolean("unfollow", false));
      case "compact" -> new Compact();
      case "state" -> new State();
      case "evict" -> new Evict();
      case "hold" -> new Hold();
      case "runtime" -> new Runtime(j.getJsonObject("body", new JsonObject()));
      default -> throw new IllegalArgumentException("unknown live command '" + j.getString("op") + "'");
    };
  }
}
