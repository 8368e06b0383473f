package dev.maestro.tool.mcp;

import dev.maestro.tool.exec.ToolResult;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Turns the SDK's typed MCP results into the JSON Maestro passes on (tool results, input schemas). */
final class McpResults {
  private final McpJsonMapper mapper;

  McpResults(McpJsonMapper mapper) {
    this.mapper = mapper;
  }

  /** Content blocks as the server sent them; structured content as text when there is no content. */
  ToolResult toolResult(McpSchema.CallToolResult r) {
    JsonArray content = new JsonArray();
    if (r.content() != null) {
      for (McpSchema.Content block : r.content()) {
        try {
          content.add(new JsonObject(mapper.writeValueAsString(block)));
        } catch (Exception e) {
          content.add(ToolResult.block(String.valueOf(block)));
        }
      }
    }
    if (content.isEmpty() && r.structuredContent() != null) {
      try {
        content.add(ToolResult.block(mapper.writeValueAsString(r.structuredContent())));
      } catch (Exception ignored) {
        // nothing usable
      }
    }
    return new ToolResult(content, Boolean.TRUE.equals(r.isError()));
  }

  /** The tool's input schema, or an empty object schema when it has none or it cannot be written. */
  JsonObject schema(McpSchema.Tool tool) {
    return json(tool.inputSchema(), new JsonObject().put("type", "object"));
  }

  /** Any SDK record as JSON (its wire form), or {@code fallback}. */
  JsonObject json(Object value, JsonObject fallback) {
    if (value == null) return fallback;
    try {
      return new JsonObject(mapper.writeValueAsString(value));
    } catch (Exception e) {
      return fallback;
    }
  }
}
