package dev.maestro.session;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * The messages a live session sends to its model (every one not replaced by a compaction summary)
 * and the next free ordinal. New messages get their ordinal here before they are stored.
 * <p>
 * Issue 14 (memory): a settled message is held as its UTF-8 JSON bytes, about a third of its
 * {@link JsonObject} tree, so an idle live session costs little more than its text. Only a message
 * that is still changing (an assistant answer while it streams) is held as the tree the turn writes
 * into, until {@link #settle()}. {@link #messages()} decodes the list when a turn builds its context;
 * the decoded list is kept while the history does not change and dropped when the turn ends.
 */
final class LiveHistory {
  /** Each entry a {@code byte[]} (settled, UTF-8 JSON) or a {@link JsonObject} (still changing). */
  private final ArrayList<Object> entries;
  private int nextOrdinal;
  /** The decoded messages, in order, while a turn uses them; null when not decoded. */
  private List<JsonObject> decoded;

  /** From {@link SessionStore#liveHistory}: {messages, nextOrdinal}. */
  LiveHistory(JsonObject stored) {
    JsonArray list = stored.getJsonArray("messages");
    entries = new ArrayList<>(list.size() + 4);
    list.forEach(m -> entries.add(bytes((JsonObject) m)));
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
    // the messages of a failed start are the last ones: drop from the tail (decoding a settled one is rare here)
    while (!entries.isEmpty()) {
      Object last = entries.get(entries.size() - 1);
      JsonObject m = last instanceof byte[] b ? new JsonObject(Buffer.buffer(b)) : (JsonObject) last;
      if (m.getInteger("ordinal", -1) < ordinal) break;
      entries.remove(entries.size() - 1);
    }
    decoded = null;
    nextOrdinal = ordinal;
  }

  /**
   * Appends a stored message. A streaming one stays the same tree (the turn keeps writing into it)
   * until {@link #settle()}; any other is encoded now, so later changes to the object are not seen.
   */
  void add(JsonObject message) {
    entries.add(SessionEvents.STREAMING.equals(message.getString("status")) ? message : bytes(message));
    if (decoded != null) decoded.add(message);
  }

  /** The messages, oldest first (decoded on first use; do not modify them: a settled message is a copy). */
  List<JsonObject> messages() {
    if (decoded == null) {
      List<JsonObject> list = new ArrayList<>(entries.size() + 4);
      for (Object e : entries) list.add(e instanceof byte[] b ? new JsonObject(Buffer.buffer(b)) : (JsonObject) e);
      decoded = list;
    }
    return Collections.unmodifiableList(decoded);
  }

  int size() {
    return entries.size();
  }

  /**
   * A compaction: the first {@code cut} messages are now stored as compacted and {@code summary}
   * stands for them. They leave the history, as they would if the session were activated again
   * (compacted messages are not loaded), and the summary takes their place ahead of the kept ones.
   */
  void compacted(int cut, JsonObject summary) {
    entries.subList(0, cut).clear();
    entries.add(0, bytes(summary));
    decoded = null;
  }

  /** The turn has ended: every message is final, so all are held as bytes and the decoded list goes. */
  void settle() {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i) instanceof JsonObject m) entries.set(i, bytes(m));
    }
    decoded = null;
  }

  private static byte[] bytes(JsonObject message) {
    return message.toBuffer().getBytes();
  }
}
