package dev.maestro.session;

import dev.maestro.contracts.provider.ChatRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Context compaction. Strategy: keep the last {@code keep} messages (widened so the kept part starts
 * at a user message, never between a tool call and its result), have the session's model summarize
 * everything older into one {@code summary} message, and mark the originals {@code compacted}: they
 * stay in PostgreSQL and in exports, but are no longer sent to the model.
 * Size: the provider's reported input + output tokens of the latest assistant message stand for
 * everything up to it; later messages and requests without usage figures are estimated at four
 * characters per token.
 */
final class Compaction {
  private Compaction() {}

  static final int MAX_SUMMARY_TOKENS = 2048;
  static final String SYSTEM = "You compress conversations between a developer and an AI assistant. Write a concise but"
      + " complete summary that lets the assistant continue the work: goals, decisions, facts learned, files and commands"
      + " involved, tool results that matter, and open questions. Write plain prose and bullet points, no preamble.";
  static final String INSTRUCTION = "Summarize the conversation above for your own later use, as instructed.";

  /** Index in history of the first kept message; 0 when there is nothing worth compacting. */
  static int cutIndex(List<JsonObject> history, int keep) {
    List<Integer> live = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (!history.get(i).getBoolean("compacted", false)) live.add(i);
    }
    if (live.size() <= keep + 1) return 0;
    int pos = live.size() - Math.max(1, keep);
    while (pos > 0 && !Messages.USER.equals(history.get(live.get(pos)).getString("role"))) pos--;
    if (pos < 2) return 0;
    return live.get(pos);
  }

  /** The summary request's messages: the old context followed by the instruction. */
  static JsonArray request(JsonArray oldContext) {
    JsonArray messages = oldContext.copy();
    JsonObject last = messages.isEmpty() ? null : messages.getJsonObject(messages.size() - 1);
    if (last != null && "user".equals(last.getString("role"))) {
      last.getJsonArray("content").add(Messages.textPart(INSTRUCTION));
    } else {
      messages.add(new JsonObject().put("role", "user").put("content", Messages.textContent(INSTRUCTION)));
    }
    return messages;
  }

  static long estimate(List<JsonObject> history, ChatRequest request) {
    // figures measured before the latest compaction include what it removed: not usable
    int summaryOrdinal = -1;
    for (JsonObject m : history) {
      if (!m.getBoolean("compacted", false) && Messages.SUMMARY.equals(m.getString("role"))) {
        summaryOrdinal = Math.max(summaryOrdinal, m.getInteger("ordinal", -1));
      }
    }
    long tail = 0;
    for (int i = history.size() - 1; i >= 0; i--) {
      JsonObject m = history.get(i);
      if (m.getBoolean("compacted", false) || Messages.SUMMARY.equals(m.getString("role"))) continue;
      if (m.getInteger("ordinal", 0) < summaryOrdinal) break;
      JsonObject u = m.getJsonObject("usage");
      if (Messages.ASSISTANT.equals(m.getString("role")) && u != null && u.getLong("inputTokens", 0L) > 0) {
        return u.getLong("inputTokens", 0L) + u.getLong("cacheReadTokens", 0L) + u.getLong("cacheWriteTokens", 0L)
            + u.getLong("outputTokens", 0L) + tail;
      }
      tail += Messages.estimateTokens(m.getJsonArray("content", new JsonArray()));
    }
    long chars = (request.getSystem() == null ? 0 : request.getSystem().length())
        + request.getMessages().encode().length() + request.getTools().encode().length();
    return chars / 4 + 16;
  }
}
