package dev.maestro.session;

import dev.maestro.contracts.provider.ChatRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** What a session sends to its model and what the answer cost, from the session's settings and the model table. */
final class ChatRequests {
  private ChatRequests() {}

  /** The request for context (provider messages) offering the tools the model may call (denied and disabled ones left out). */
  static ChatRequest build(JsonObject session, ModelTable models, JsonArray context, List<JsonObject> offered) {
    JsonObject params = session.getJsonObject("params", new JsonObject());
    JsonArray toolSchemas = new JsonArray();
    for (JsonObject tool : offered) {
      if (!tool.getBoolean("enabled", true) || "deny".equals(tool.getString("policy"))) continue;
      toolSchemas.add(new JsonObject().put("name", tool.getString("name")).put("description", tool.getString("description", ""))
          .put("inputSchema", tool.getJsonObject("inputSchema", new JsonObject().put("type", "object"))));
    }
    ChatRequest r = new ChatRequest().setProvider(session.getString("provider"))
        .setCredentialId(session.getString("credentialId")).setModel(session.getString("model"))
        .setSystem(system(session)).setMessages(context).setTools(toolSchemas)
        .setMaxTokens(params.getInteger("maxTokens", models.maxOutputTokens(session.getString("model"))))
        .setExtras(params.getJsonObject("extras", new JsonObject()));
    if (params.getValue("temperature") instanceof Number n) r.setTemperature(n.doubleValue());
    return r;
  }

  /**
   * Where a turn keeps the instructions of the MCP servers whose tools it offers ([{server, instructions}], set
   * per turn, never stored).
   */
  static final String MCP_INSTRUCTIONS = "mcpInstructions";

  /** The session's system prompt, then each offered MCP server's instructions, marked as the server's. */
  static String system(JsonObject session) {
    String prompt = session.getString("systemPrompt", "");
    JsonArray servers = session.getJsonArray(MCP_INSTRUCTIONS);
    if (servers == null || servers.isEmpty()) return prompt;
    StringBuilder sb = new StringBuilder(prompt);
    for (Object o : servers) {
      if (!(o instanceof JsonObject j)) continue;
      if (sb.length() > 0) sb.append("\n\n");
      String server = j.getString("server", "").replace("\"", "'");
      sb.append("<mcp-server-instructions server=\"").append(server).append("\">\n")
          .append("How to use the tools of MCP server '").append(server).append("', as that server describes them:\n")
          .append(j.getString("instructions", "").replace("</mcp-server-instructions>", "</mcp-server-instructions_>"))
          .append("\n</mcp-server-instructions>");
    }
    return sb.toString();
  }

  /** The stored usage of a message: the token figures and their cost at the session's model's prices. */
  static JsonObject priced(JsonObject session, ModelTable models, JsonObject u) {
    JsonObject usage = new JsonObject()
        .put("inputTokens", u.getLong("inputTokens", 0L)).put("outputTokens", u.getLong("outputTokens", 0L))
        .put("cacheReadTokens", u.getLong("cacheReadTokens", 0L)).put("cacheWriteTokens", u.getLong("cacheWriteTokens", 0L));
    return usage.put("costUsd", models.cost(session.getString("model"), usage));
  }
}
