package dev.maestro.gateway.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/**
 * The {@code messages} of an OpenAI request as a Maestro session: {@code system}/{@code developer}
 * messages join into the system prompt, {@code user}/{@code assistant} ones before the last become the
 * imported history, the last must be a {@code user} message (it is the turn). Content is a string or
 * text parts; images, client-side tool calls and {@code tool} messages are refused (400), since tools
 * run server-side from a template.
 */
record Conversation(String system, JsonArray history, String lastUserText) {
  static Conversation of(JsonArray messages) {
    StringBuilder system = new StringBuilder();
    JsonArray history = new JsonArray();
    String last = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      String role = m.getString("role");
      String text = text(m.getValue("content"), i);
      if ("system".equals(role) || "developer".equals(role)) {
        if (!system.isEmpty()) system.append("\n\n");
        system.append(text);
        continue;
      }
      if (!"user".equals(role) && !"assistant".equals(role)) {
        throw bad("messages[" + i + "].role", "must be system, developer, user or assistant (tools run server-side from a template)");
      }
      if (m.getValue("tool_calls") != null) throw bad("messages[" + i + "].tool_calls", "client-side tool calls are not supported");
      if (last != null) history.add(message("user", last));
      last = null;
      if ("user".equals(role)) last = text;
      else history.add(message("assistant", text));
    }
    if (last == null || last.isBlank()) throw bad("messages", "the last message must be a user message with text");
    return new Conversation(system.toString(), history, last);
  }

  private static JsonObject message(String role, String text) {
    return new JsonObject().put("role", role).put("status", "complete")
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text)));
  }

  private static String text(Object content, int i) {
    if (content == null) return "";
    if (content instanceof String s) return s;
    if (content instanceof JsonArray parts) {
      StringBuilder sb = new StringBuilder();
      for (Object p : parts) {
        if (!(p instanceof JsonObject part) || !"text".equals(part.getString("type")) || !(part.getValue("text") instanceof String t)) {
          throw bad("messages[" + i + "].content", "only text parts are supported");
        }
        sb.append(t);
      }
      return sb.toString();
    }
    throw bad("messages[" + i + "].content", "must be a string or an array of text parts");
  }

  private static ServiceException bad(String field, String message) {
    return new ServiceException(400, "the body does not match the schema", new JsonObject().put("errors",
        new JsonArray().add(new JsonObject().put("field", field).put("message", message))));
  }
}
