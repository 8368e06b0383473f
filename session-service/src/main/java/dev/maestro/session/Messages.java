package dev.maestro.session;

import dev.maestro.contracts.Parts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Helpers over message parts ({@code text}, {@code thinking}, {@code tool_call}, {@code tool_result}). */
final class Messages {
  private Messages() {}

  static final String USER = "user";
  static final String ASSISTANT = "assistant";
  /** Tool results of one round; sent to providers as a user message. */
  static final String TOOL = "tool";
  /** A compaction summary standing in for older (compacted) messages. */
  static final String SUMMARY = "summary";

  static JsonObject textPart(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  static JsonObject toolResultPart(String callId, JsonArray content, boolean isError) {
    return new JsonObject().put("type", "tool_result").put("callId", callId).put("content", content).put("isError", isError);
  }

  static JsonArray textContent(String text) {
    return dev.maestro.contracts.tool.ToolResults.textContent(text);
  }

  /** The words full-text search indexes: text parts, thinking excluded, tool results included. */
  static String searchText(JsonArray content) {
    StringBuilder sb = new StringBuilder();
    for (Object o : content) {
      if (!(o instanceof JsonObject p)) continue;
      switch (String.valueOf(p.getString("type"))) {
        case "text" -> sb.append(p.getString("text", "")).append('\n');
        case "tool_result" -> sb.append(plainText(p.getValue("content"))).append('\n');
        case "tool_call" -> sb.append(p.getString("name", "")).append('\n');
        default -> { }
      }
    }
    return sb.toString();
  }

  /** Text of a tool result's content, which is a string or a list of {type:text,text}. */
  static String plainText(Object content) {
    return Parts.resultText(content);
  }

  /** Rough token estimate for text we have no usage figures for (about 4 characters a token). */
  static long estimateTokens(JsonArray content) {
    long chars = 0;
    for (Object o : content) {
      if (o instanceof JsonObject p) chars += p.encode().length();
    }
    return chars / 4 + 4;
  }
}
