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
        .setSystem(session.getString("systemPrompt", "")).setMessages(context).setTools(toolSchemas)
        .setMaxTokens(params.getInteger("maxTokens", models.maxOutputTokens(session.getString("model"))))
        .setExtras(params.getJsonObject("extras", new JsonObject()));
    if (params.getValue("temperature") instanceof Number n) r.setTemperature(n.doubleValue());
    return r;
  }

  /** The stored usage of a message: the token figures and their cost at the session's model's prices. */
  static JsonObject priced(JsonObject session, ModelTable models, JsonObject u) {
    JsonObject usage = new JsonObject()
        .put("inputTokens", u.getLong("inputTokens", 0L)).put("outputTokens", u.getLong("outputTokens", 0L))
        .put("cacheReadTokens", u.getLong("cacheReadTokens", 0L)).put("cacheWriteTokens", u.getLong("cacheWriteTokens", 0L));
    return usage.put("costUsd", models.cost(session.getString("model"), usage));
  }
}
