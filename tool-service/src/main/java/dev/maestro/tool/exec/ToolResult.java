package dev.maestro.tool.exec;

import dev.maestro.contracts.tool.ToolResults;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What a tool call produced: MCP-style content blocks plus isError. */
public record ToolResult(JsonArray content, boolean isError) {

  public static ToolResult text(String text) {
    return new ToolResult(new JsonArray().add(block(text)), false);
  }

  public static ToolResult error(String text) {
    return new ToolResult(ToolResults.textContent(text), true);
  }

  public static JsonObject block(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  public JsonObject toJson(String callId) {
    return new JsonObject().put("callId", callId).put("content", content.copy()).put("isError", isError);
  }

  /** All text blocks joined; handy for tests and logs. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    for (Object o : content) {
      if (o instanceof JsonObject b && "text".equals(b.getString("type"))) {
        if (sb.length() > 0) sb.append('\n');
        sb.append(b.getString("text"));
      }
    }
    return sb.toString();
  }
}
