package dev.maestro.gateway.api;

import dev.maestro.contracts.tool.McpAttachments;
import io.vertx.core.json.JsonObject;

/** Schemas of the MCP resource and prompt operations that other sections reuse. */
final class McpOps {
  private McpOps() {}

  /** sendMessage's {@code attachments}: MCP resources the user attaches, [{serverId, uri}]. */
  static JsonObject attachments() {
    return new JsonObject().put("type", "array").put("maxItems", McpAttachments.MAX_PER_MESSAGE).put("items",
        new JsonObject().put("type", "object").put("additionalProperties", false)
            .put("properties", new JsonObject()
                .put("serverId", new JsonObject().put("type", "string").put("maxLength", 36)
                    .put("pattern", "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))
                .put("uri", new JsonObject().put("type", "string").put("minLength", 1).put("maxLength", 2000)))
            .put("required", new io.vertx.core.json.JsonArray().add("serverId").add("uri")));
  }
}
