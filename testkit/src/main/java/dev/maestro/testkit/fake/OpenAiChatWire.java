package dev.maestro.testkit.fake;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI Chat Completions: {@code POST /v1/chat/completions}, unnamed {@code data:} chunks, tool-call
 * fragments by index, an optional usage chunk ({@code stream_options.include_usage}), {@code [DONE]}.
 * Thinking goes out as {@code delta.reasoning_content}, as vLLM, llama.cpp and DeepSeek do.
 */
final class OpenAiChatWire implements Wire {

  @Override
  public List<String> render(FakeTurn turn, JsonObject request, String model) {
    List<String> out = new ArrayList<>();
    String id = "chatcmpl-fake" + Wire.nextId();
    long created = 1735000000L;
    out.add(chunk(id, created, model, new JsonObject().put("role", "assistant").put("content", ""), null));
    int toolIndex = 0;
    for (FakeTurn.Block block : turn.blocks()) {
      if (block instanceof FakeTurn.Thinking th) {
        for (String c : th.chunks()) out.add(chunk(id, created, model, new JsonObject().put("reasoning_content", c), null));
      } else if (block instanceof FakeTurn.Text tx) {
        for (String c : tx.chunks()) out.add(chunk(id, created, model, new JsonObject().put("content", c), null));
      } else if (block instanceof FakeTurn.ToolCall tc) {
        int index = toolIndex++;
        out.add(chunk(id, created, model, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
            .put("index", index).put("id", "call_fake_" + Wire.nextId()).put("type", "function")
            .put("function", new JsonObject().put("name", tc.name()).put("arguments", "")))), null));
        for (String frag : FakeTurn.split(tc.arguments().encode(), turn.argumentFragments)) {
          out.add(chunk(id, created, model, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
              .put("index", index).put("function", new JsonObject().put("arguments", frag)))), null));
        }
      }
    }
    String finish = switch (turn.stopReason()) {
      case TOOL_USE -> "tool_calls";
      case MAX_TOKENS -> "length";
      case END_TURN -> "stop";
    };
    out.add(chunk(id, created, model, new JsonObject(), finish));
    JsonObject streamOptions = request.getJsonObject("stream_options");
    if (streamOptions != null && streamOptions.getBoolean("include_usage", false)) {
      long in = turn.inputTokens();
      long outTokens = turn.outputTokens();
      out.add(data(new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
          .put("model", model).put("choices", new JsonArray())
          .put("usage", new JsonObject().put("prompt_tokens", in).put("completion_tokens", outTokens)
              .put("total_tokens", in + outTokens)
              .put("prompt_tokens_details", new JsonObject().put("cached_tokens", turn.cacheReadTokens()))
              .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", 0)))));
    }
    out.add("data: [DONE]\n\n");
    return out;
  }

  private static String chunk(String id, long created, String model, JsonObject delta, String finish) {
    return data(new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model).put("system_fingerprint", "fp_fake")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
            .put("logprobs", null).put("finish_reason", finish)))
        .put("usage", null));
  }

  static String data(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }

  @Override
  public String midStreamError(String kind) {
    return data(errorBody(switch (kind) {
      case "rate_limited" -> 429;
      case "server_error" -> 500;
      default -> 503;
    }, null, null));
  }

  @Override
  public JsonObject errorBody(int status, String message, String typeOverride) {
    String type = switch (status) {
      case 400, 401, 404 -> "invalid_request_error";
      case 403 -> "permission_error";
      case 429 -> "requests";
      default -> "server_error";
    };
    String code = typeOverride != null ? typeOverride : switch (status) {
      case 401 -> "invalid_api_key";
      case 404 -> "model_not_found";
      case 429 -> "rate_limit_exceeded";
      default -> null;
    };
    String msg = message != null ? message : switch (status) {
      case 401 -> "Incorrect API key provided: bad***. You can find your API key at https://platform.openai.com/account/api-keys.";
      case 429 -> "Rate limit reached for requests";
      case 503 -> "The engine is currently overloaded, please try again later";
      default -> "fake upstream error " + status;
    };
    return new JsonObject().put("error", new JsonObject().put("message", msg).put("type", type).put("param", null)
        .put("code", code));
  }

  @Override
  public JsonObject models() {
    JsonArray data = new JsonArray();
    for (String id : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-5", "o3"}) {
      data.add(new JsonObject().put("id", id).put("object", "model").put("created", 1715367049).put("owned_by", "system"));
    }
    return new JsonObject().put("object", "list").put("data", data);
  }

  @Override
  public Conversation read(JsonObject body) {
    JsonArray messages = body.getJsonArray("messages", new JsonArray());
    Map<String, String> toolNames = new HashMap<>();
    int chars = 0;
    for (Object o : messages) {
      JsonObject m = (JsonObject) o;
      chars += String.valueOf(m.getValue("content")).length();
      JsonArray calls = m.getJsonArray("tool_calls");
      if (calls != null) {
        for (Object c : calls) {
          JsonObject call = (JsonObject) c;
          toolNames.put(call.getString("id"), call.getJsonObject("function", new JsonObject()).getString("name"));
        }
      }
    }
    List<Conversation.ToolResult> results = new ArrayList<>();
    int i = messages.size() - 1;
    while (i >= 0 && "tool".equals(messages.getJsonObject(i).getString("role"))) i--;
    for (int j = i + 1; j < messages.size(); j++) {
      JsonObject m = messages.getJsonObject(j);
      String id = m.getString("tool_call_id");
      results.add(new Conversation.ToolResult(toolNames.getOrDefault(id, id), Wire.textOf(m.getValue("content"))));
    }
    String text = "";
    if (results.isEmpty() && !messages.isEmpty()) {
      text = Wire.textOf(messages.getJsonObject(messages.size() - 1).getValue("content"));
    }
    return new Conversation(text, results, chars);
  }

  @Override
  public String apiKey(HttpServerRequest req) {
    return Wire.bearer(req);
  }
}
