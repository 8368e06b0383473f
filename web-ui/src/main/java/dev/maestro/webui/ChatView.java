package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * A stored session (API.md shape) → the data the chat template shows. Markdown becomes safe HTML
 * here; everything else stays plain text for the template to escape. Tool results are shown
 * inside the tool call they answer, so a message holding only results gets no bubble of its own.
 */
final class ChatView {
  private ChatView() {}

  static JsonObject of(JsonObject session) {
    JsonArray messages = session.getJsonArray("messages", new JsonArray());
    Map<String, JsonObject> results = new HashMap<>();
    for (Object m : messages) {
      for (Object p : parts((JsonObject) m)) {
        JsonObject part = (JsonObject) p;
        if ("tool_result".equals(part.getString("type"))) results.put(part.getString("callId"), part);
      }
    }
    JsonArray views = new JsonArray();
    long in = 0, out = 0;
    double cost = 0;
    boolean hasCost = false, streaming = false;
    for (Object o : messages) {
      JsonObject m = (JsonObject) o;
      JsonObject view = message(m, results);
      if (view.getJsonArray("parts").isEmpty() && !"streaming".equals(m.getString("status"))) continue;
      views.add(view);
      JsonObject usage = m.getJsonObject("usage");
      if (usage != null) {
        in += usage.getLong("inputTokens", 0L);
        out += usage.getLong("outputTokens", 0L);
        if (usage.getValue("costUsd") instanceof Number n) { cost += n.doubleValue(); hasCost = true; }
      }
      if ("streaming".equals(m.getString("status"))) streaming = true;
    }
    JsonObject totals = new JsonObject().put("inputTokens", in).put("outputTokens", out);
    // costUsd unrounded for chat.js, which adds the live messages' costs to it
    if (hasCost) totals.put("cost", String.format(java.util.Locale.ROOT, "$%.4f", cost)).put("costUsd", cost);
    return new JsonObject().put("messages", views).put("totals", totals).put("streaming", streaming);
  }

  static JsonObject message(JsonObject m, Map<String, JsonObject> results) {
    JsonArray parts = new JsonArray();
    for (Object p : parts(m)) {
      JsonObject part = (JsonObject) p;
      switch (part.getString("type", "")) {
        case "text" -> {
          String text = part.getString("text", "");
          if (!text.isEmpty()) parts.add(new JsonObject().put("isText", true).put("html", MarkdownRenderer.render(text)));
        }
        // an MCP resource the user attached: a chip (its content went to the model, not shown again here)
        case "attachment" -> parts.add(new JsonObject().put("isAttachment", true).put("server", part.getString("server", ""))
            .put("uri", part.getString("uri", "")).put("truncated", part.getBoolean("truncated", false)));
        case "thinking" -> parts.add(new JsonObject().put("isThinking", true).put("html", MarkdownRenderer.render(part.getString("text", ""))));
        case "tool_call" -> {
          JsonObject call = new JsonObject().put("isToolCall", true)
              .put("callId", part.getString("callId"))
              .put("name", part.getString("name"))
              .put("arguments", pretty(part.getValue("arguments")));
          JsonObject r = results.get(part.getString("callId"));
          if (r != null) {
            call.put("hasResult", true).put("result", resultText(r.getValue("content"))).put("isError", r.getBoolean("isError", false));
          }
          parts.add(call);
        }
        default -> { }
      }
    }
    String role = m.getString("role", "assistant");
    JsonObject view = new JsonObject()
        .put("id", m.getString("id"))
        .put("role", role)
        .put("roleLabel", switch (role) {
          case "user" -> "You";
          case "assistant" -> "Assistant";
          case "summary" -> "Summary of the earlier conversation";
          case "tool" -> "Tool";
          default -> role;
        })
        .put("isUser", "user".equals(role))
        .put("status", m.getString("status", "complete"))
        .put("parts", parts);
    String status = m.getString("status", "complete");
    if (!"complete".equals(status)) view.put("statusNote", status);
    JsonObject usage = m.getJsonObject("usage");
    if (usage != null && (usage.containsKey("inputTokens") || usage.containsKey("outputTokens"))) {
      view.put("usage", new JsonObject().put("inputTokens", usage.getLong("inputTokens", 0L)).put("outputTokens", usage.getLong("outputTokens", 0L))
          // which model answered (a fallback model may have taken the request)
          .put("model", usage.getString("model")));
    }
    return view;
  }

  private static JsonArray parts(JsonObject m) {
    Object c = m.getValue("content");
    if (c instanceof JsonArray a) return a;
    if (c instanceof String s) return new JsonArray().add(new JsonObject().put("type", "text").put("text", s));
    return new JsonArray();
  }

  static String pretty(Object v) {
    if (v instanceof JsonObject o) return o.encodePrettily();
    if (v instanceof JsonArray a) return a.encodePrettily();
    return v == null ? "" : String.valueOf(v);
  }

  /** Tool result content: [{type:text,text}] joined, else its JSON. */
  static String resultText(Object content) {
    if (content instanceof JsonArray a) {
      StringBuilder sb = new StringBuilder();
      for (Object o : a) {
        if (o instanceof JsonObject p && p.getString("text") != null) {
          if (sb.length() > 0) sb.append('\n');
          sb.append(p.getString("text"));
        } else if (o != null) {
          if (sb.length() > 0) sb.append('\n');
          sb.append(o instanceof JsonObject j ? j.encode() : o.toString());
        }
      }
      return sb.toString();
    }
    return pretty(content);
  }
}
