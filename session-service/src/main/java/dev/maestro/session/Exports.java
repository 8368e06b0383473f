package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** The JSON export (importable) and the Markdown export (for reading) of a session. */
final class Exports {
  private Exports() {}

  static final String FORMAT = "maestro.session.v1";

  static JsonObject json(JsonObject s) {
    JsonArray messages = new JsonArray();
    for (Object o : s.getJsonArray("messages", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      messages.add(new JsonObject().put("role", m.getString("role")).put("content", m.getJsonArray("content"))
          .put("status", m.getString("status")).put("usage", m.getJsonObject("usage"))
          .put("compacted", m.getBoolean("compacted", false)).put("createdAt", m.getString("createdAt")));
    }
    return new JsonObject().put("format", FORMAT).put("exportedAt", Instant.now().toString())
        .put("session", new JsonObject().put("title", s.getString("title")).put("provider", s.getString("provider"))
            .put("model", s.getString("model")).put("systemPrompt", s.getString("systemPrompt"))
            .put("tools", s.getJsonArray("tools")).put("params", s.getJsonObject("params"))
            .put("usage", s.getJsonObject("usage")).put("createdAt", s.getString("createdAt")))
        .put("messages", messages);
  }

  static String markdown(JsonObject s) {
    StringBuilder md = new StringBuilder();
    String title = s.getString("title", "");
    md.append("# ").append(title.isBlank() ? "Untitled session" : title).append("\n\n");
    JsonObject usage = s.getJsonObject("usage", new JsonObject());
    md.append("_").append(s.getString("provider")).append(" / ").append(s.getString("model"))
        .append(" · created ").append(s.getString("createdAt"))
        .append(" · ").append(usage.getLong("inputTokens", 0L)).append(" input / ")
        .append(usage.getLong("outputTokens", 0L)).append(" output tokens")
        .append(String.format(java.util.Locale.ROOT, " · $%.4f", usage.getDouble("costUsd", 0.0))).append("_\n\n");
    if (!s.getString("systemPrompt", "").isBlank()) {
      md.append("## System\n\n").append(s.getString("systemPrompt")).append("\n\n");
    }
    for (Object o : s.getJsonArray("messages", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      String role = m.getString("role");
      String heading = switch (role) {
        case "user" -> "User";
        case "assistant" -> "Assistant";
        case "tool" -> "Tool results";
        case "summary" -> "Summary of earlier messages";
        default -> role;
      };
      md.append("## ").append(heading);
      if (!"complete".equals(m.getString("status"))) md.append(" (").append(m.getString("status")).append(")");
      if (m.getBoolean("compacted", false)) md.append(" (compacted)");
      md.append("\n\n");
      for (Object po : m.getJsonArray("content", new JsonArray())) {
        JsonObject p = (JsonObject) po;
        switch (p.getString("type", "")) {
          case "text" -> md.append(p.getString("text", "")).append("\n\n");
          case "thinking" -> md.append("> *thinking:* ").append(p.getString("text", "").replace("\n", "\n> ")).append("\n\n");
          case "tool_call" -> md.append("**Tool call** `").append(p.getString("name")).append("` (").append(p.getString("callId"))
              .append(")\n\n```json\n").append(p.getValue("arguments") instanceof JsonObject a ? a.encodePrettily() : "{}")
              .append("\n```\n\n");
          case "tool_result" -> md.append("**Tool result**").append(p.getBoolean("isError", false) ? " (error)" : "")
              .append(" (").append(p.getString("callId")).append(")\n\n```\n")
              .append(Messages.plainText(p.getValue("content"))).append("\n```\n\n");
          default -> { }
        }
      }
    }
    return md.toString();
  }

  static String filename(JsonObject s, String ext) {
    String base = s.getString("title", "").replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
    if (base.isEmpty()) base = "session-" + s.getString("id");
    return base + "." + ext;
  }
}
