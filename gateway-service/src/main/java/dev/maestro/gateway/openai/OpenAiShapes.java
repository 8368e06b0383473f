package dev.maestro.gateway.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The OpenAI Chat Completions response shapes Maestro answers with. */
final class OpenAiShapes {
  private OpenAiShapes() {}

  static JsonObject chunk(String id, long created, String model, JsonObject delta, String finishReason) {
    return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta).put("finish_reason", finishReason)));
  }

  static JsonObject completion(String id, long created, String model, String text, String finishReason, JsonObject usage) {
    return new JsonObject().put("id", id).put("object", "chat.completion").put("created", created).put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("message", new JsonObject().put("role", "assistant").put("content", text)).put("finish_reason", finishReason)))
        .put("usage", usage);
  }

  static JsonObject usage(long input, long output) {
    return new JsonObject().put("prompt_tokens", input).put("completion_tokens", output).put("total_tokens", input + output);
  }

  static JsonObject model(String id, String ownedBy) {
    return new JsonObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", ownedBy);
  }
}
