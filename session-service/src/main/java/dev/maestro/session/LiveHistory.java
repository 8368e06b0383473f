package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The messages a live session sends to its model (every one not replaced by a compaction summary)
 * and the next free ordinal. New messages get their ordinal here before they are stored.
 */
final class LiveHistory {
  final List<JsonObject> messages = new ArrayList<>();
  private int nextOrdinal;

  /** From {@link SessionStore#liveHistory}: {messages, nextOrdinal}. */
  LiveHistory(JsonObject stored) {
    stored.getJsonArray("messages").forEach(m -> messages.add((JsonObject) m));
    nextOrdinal = stored.getInteger("nextOrdinal");
  }

  /** A message with the next ordinal (not yet in the list: add it once it is stored). */
  JsonObject newMessage(String role, String turnId, JsonArray content, String status) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("ordinal", nextOrdinal++).put("turnId", turnId)
        .put("role", role).put("content", content).put("status", status).putNull("usage").put("compacted", false)
        .put("createdAt", Instant.now().toString());
  }

  /** Gives back the ordinal of the last {@link #newMessage} after its insert failed. */
  void unreserve() {
    nextOrdinal--;
  }

  /** Forgets every message from ordinal on and hands that ordinal out next (a turn start whose commit failed). */
  void rollbackTo(int ordinal) {
    messages.removeIf(m -> m.getInteger("ordinal", -1) >= ordinal);
    nextOrdinal = ordinal;
  }

  void add(JsonObject message) {
    messages.add(message);
  }
}
