package dev.maestro.session;

import dev.maestro.contracts.tool.McpAttachments;
import dev.maestro.contracts.tool.ToolResults;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a stored history into the {@code messages} of a ChatRequest that every provider accepts:
 * compacted messages are left out (their summary stands in), tool and summary messages travel as
 * user messages, a tool call without a result (a cancelled or interrupted round) gets an error
 * result, orphan results are dropped, thinking without a signature is not replayed, and
 * consecutive messages of one role are merged.
 */
final class ContextBuilder {
  private ContextBuilder() {}

  static final String NOT_RUN = ToolResults.NOT_RUN;

  static JsonArray build(List<JsonObject> history) {
    List<JsonObject> out = new ArrayList<>();
    Set<String> openCalls = new HashSet<>();
    // the live summary replaces what came before the kept messages, whatever its ordinal
    List<JsonObject> ordered = new ArrayList<>();
    history.stream().filter(m -> !m.getBoolean("compacted", false) && Messages.SUMMARY.equals(m.getString("role"))).forEach(ordered::add);
    history.stream().filter(m -> !m.getBoolean("compacted", false) && !Messages.SUMMARY.equals(m.getString("role"))).forEach(ordered::add);
    for (JsonObject m : ordered) {
      String role = m.getString("role");
      JsonArray parts = new JsonArray();
      boolean complete = "complete".equals(m.getString("status"));
      if (Messages.ASSISTANT.equals(role)) {
        closeOpenCalls(out, openCalls);
        for (Object o : m.getJsonArray("content", new JsonArray())) {
          JsonObject p = (JsonObject) o;
          switch (p.getString("type", "")) {
            case "text" -> { if (!p.getString("text", "").isEmpty()) parts.add(p.copy()); }
            case "thinking" -> {
              if (complete && (p.getString("signature") != null || p.getString("redactedData") != null)) parts.add(p.copy());
            }
            case "tool_call" -> { parts.add(p.copy()); openCalls.add(p.getString("callId")); }
            default -> { }
          }
        }
        if (!parts.isEmpty()) out.add(new JsonObject().put("role", "assistant").put("content", parts));
      } else if (Messages.TOOL.equals(role)) {
        for (Object o : m.getJsonArray("content", new JsonArray())) {
          JsonObject p = (JsonObject) o;
          if ("tool_result".equals(p.getString("type")) && openCalls.remove(p.getString("callId"))) parts.add(p.copy());
        }
        if (!parts.isEmpty()) append(out, "user", parts);
      } else if (Messages.SUMMARY.equals(role)) {
        closeOpenCalls(out, openCalls);
        String text = Messages.searchText(m.getJsonArray("content", new JsonArray())).trim();
        append(out, "user", new JsonArray().add(Messages.textPart("Summary of the earlier conversation:\n" + text)));
      } else {
        closeOpenCalls(out, openCalls);
        for (Object o : m.getJsonArray("content", new JsonArray())) {
          JsonObject p = (JsonObject) o;
          // an attached MCP resource reaches the model as text marked untrusted (providers know no such part)
          if (McpAttachments.TYPE.equals(p.getString("type"))) parts.add(Messages.textPart(McpAttachments.forModel(p)));
          else if (!"text".equals(p.getString("type")) || !p.getString("text", "").isEmpty()) parts.add(p.copy());
        }
        if (!parts.isEmpty()) append(out, "user", parts);
      }
    }
    closeOpenCalls(out, openCalls);
    return new JsonArray(new ArrayList<>(out));
  }

  /** Results for calls that never got one, placed right after the assistant message that made them. */
  private static void closeOpenCalls(List<JsonObject> out, Set<String> openCalls) {
    if (openCalls.isEmpty()) return;
    JsonArray parts = new JsonArray();
    for (String id : openCalls) {
      parts.add(Messages.toolResultPart(id, Messages.textContent(NOT_RUN), true));
    }
    openCalls.clear();
    append(out, "user", parts);
  }

  private static void append(List<JsonObject> out, String role, JsonArray parts) {
    if (!out.isEmpty() && role.equals(out.get(out.size() - 1).getString("role"))) {
      JsonArray prev = out.get(out.size() - 1).getJsonArray("content");
      // tool results first: providers want them at the start of the user message
      if (parts.stream().anyMatch(p -> "tool_result".equals(((JsonObject) p).getString("type")))) {
        JsonArray merged = new JsonArray();
        prev.forEach(p -> { if ("tool_result".equals(((JsonObject) p).getString("type"))) merged.add(p); });
        parts.forEach(merged::add);
        prev.forEach(p -> { if (!"tool_result".equals(((JsonObject) p).getString("type"))) merged.add(p); });
        out.get(out.size() - 1).put("content", merged);
      } else {
        parts.forEach(prev::add);
      }
      return;
    }
    out.add(new JsonObject().put("role", role).put("content", parts));
  }
}
