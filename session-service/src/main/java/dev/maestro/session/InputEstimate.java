package dev.maestro.session;

import dev.maestro.contracts.provider.ChatRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A generous count of the input tokens of a request, for the budget's worst case (not the compaction's
 * best guess): what the provider reported for the latest answer (it covers everything before it,
 * system prompt and tools included) plus the messages after it, or, with no reported figure, the whole
 * request; text is counted at one token per two characters of its JSON (tokenizers average about four
 * for English, fewer for code and non-Latin scripts), so the estimate stays above the real count.
 */
final class InputEstimate {
  static final int CHARS_PER_TOKEN = 2;
  static final int OVERHEAD = 32;

  private InputEstimate() {}

  static long tokens(List<JsonObject> history, ChatRequest request) {
    long tail = 0;
    for (int i = history.size() - 1; i >= 0; i--) {
      JsonObject m = history.get(i);
      if (m.getBoolean("compacted", false) || Messages.SUMMARY.equals(m.getString("role"))) break;
      JsonObject u = m.getJsonObject("usage");
      if (Messages.ASSISTANT.equals(m.getString("role")) && u != null && u.getLong("inputTokens", 0L) > 0) {
        return u.getLong("inputTokens", 0L) + u.getLong("cacheReadTokens", 0L) + u.getLong("cacheWriteTokens", 0L)
            + u.getLong("outputTokens", 0L) + tail + OVERHEAD;
      }
      tail += chars(m.getJsonArray("content", new JsonArray())) / CHARS_PER_TOKEN + 4;
    }
    long chars = (request.getSystem() == null ? 0 : request.getSystem().length())
        + request.getMessages().encode().length() + request.getTools().encode().length();
    return chars / CHARS_PER_TOKEN + OVERHEAD;
  }

  private static long chars(JsonArray content) {
    return content.encode().length();
  }
}
