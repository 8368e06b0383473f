package dev.maestro.gateway.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What one turn said, as PostgreSQL stored it (from {@code SessionService.get}): read when a {@code truncated}
 * marker announced that some of the turn's events will never come, so the relayed deltas are not the whole
 * reply. {@code finalText} is the text of the turn's last assistant message (what a non-streaming answer holds);
 * {@code wholeText} joins the text of all its assistant messages in order, which is what an unbroken stream of
 * deltas carries (a turn with tool rounds streams each round's text); the token counts add up the stored
 * usage of those messages ({@code hasUsage} false when none carries any).
 */
record StoredReply(String finalText, String wholeText, long inputTokens, long outputTokens, boolean hasUsage) {

  /** The turn's reply in a session with messages; null when no assistant message of that turn is stored. */
  static StoredReply of(JsonObject session, String turnId) {
    StringBuilder whole = new StringBuilder();
    String last = null;
    long in = 0;
    long out = 0;
    boolean usage = false;
    for (Object o : session.getJsonArray("messages", new JsonArray())) {
      if (!(o instanceof JsonObject m) || !"assistant".equals(m.getString("role")) || !turnId.equals(m.getString("turnId"))) continue;
      String text = text(m.getJsonArray("content", new JsonArray()));
      whole.append(text);
      last = text;
      if (m.getValue("usage") instanceof JsonObject u) {
        usage = true;
        in += u.getLong("inputTokens", 0L);
        out += u.getLong("outputTokens", 0L);
      }
    }
    return last == null ? null : new StoredReply(last, whole.toString(), in, out, usage);
  }

  /** The text parts joined as their deltas were (thinking and tool calls are not relayed as content). */
  private static String text(JsonArray content) {
    StringBuilder sb = new StringBuilder();
    for (Object p : content) {
      if (p instanceof JsonObject part && "text".equals(part.getString("type")) && part.getValue("text") instanceof String t) sb.append(t);
    }
    return sb.toString();
  }
}
