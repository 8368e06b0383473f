package dev.maestro.session;

import dev.maestro.contracts.tool.McpAttachments;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * MCP resources a user attaches to a message: checked ({@link #check}), read through tool-service and
 * turned into the message's {@code attachment} parts ({@link McpAttachments}); the model later gets each as
 * a bounded text part marked untrusted ({@link ContextBuilder}).
 */
final class Attachments {
  private Attachments() {}

  /** What is wrong with the references, or null. */
  static String check(JsonArray attachments) {
    if (attachments == null) return null;
    if (attachments.size() > McpAttachments.MAX_PER_MESSAGE) return "at most " + McpAttachments.MAX_PER_MESSAGE + " per message";
    for (Object o : attachments) {
      if (!(o instanceof JsonObject a) || !(a.getValue("serverId") instanceof String id) || id.isEmpty() || id.length() > 100
          || !(a.getValue("uri") instanceof String uri) || uri.isEmpty() || uri.length() > 2000) {
        return "each must be {serverId, uri} (strings)";
      }
    }
    return null;
  }

  /** The attachment parts, in the order given; fails as tool-service does (404 unknown, 503 server down). */
  static Future<List<JsonObject>> read(ToolService tools, String sessionId, JsonArray attachments) {
    if (attachments == null || attachments.isEmpty()) return Future.succeededFuture(List.of());
    List<Future<JsonObject>> reads = new ArrayList<>();
    for (Object o : attachments) {
      JsonObject a = (JsonObject) o;
      reads.add(tools.readMcpResource(a.getString("serverId"), a.getString("uri"), sessionId).map(r -> part(a, r)));
    }
    return Future.all(reads).map(all -> reads.stream().map(Future::result).toList());
  }

  static JsonObject part(JsonObject ref, JsonObject read) {
    String text = read.getString("text", "");
    boolean truncated = read.getBoolean("truncated", false) || text.length() > McpAttachments.MAX_CHARS;
    return new JsonObject().put("type", McpAttachments.TYPE).put("serverId", ref.getString("serverId"))
        .put("server", read.getString("server")).put("uri", ref.getString("uri")).put("mimeType", read.getString("mimeType"))
        .put("text", text.length() > McpAttachments.MAX_CHARS ? text.substring(0, McpAttachments.MAX_CHARS) : text)
        .put("truncated", truncated);
  }
}
