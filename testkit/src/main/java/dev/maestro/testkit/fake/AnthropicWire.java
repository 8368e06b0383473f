package dev.maestro.testkit.fake;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Anthropic Messages API: {@code POST /v1/messages}, named SSE events, no [DONE]. */
final class AnthropicWire implements Wire {

  @Override
  public List<String> render(FakeTurn turn, JsonObject request, String model) {
    List<String> out = new ArrayList<>();
    String msgId = "msg_fake_" + Wire.nextId();
    out.add(event("message_start", new JsonObject().put("type", "message_start").put("message", new JsonObject()
        .put("id", msgId).put("type", "message").put("role", "assistant").put("model", model)
        .put("content", new JsonArray()).put("stop_reason", null).put("stop_sequence", null)
        .put("usage", new JsonObject().put("input_tokens", turn.inputTokens()).put("output_tokens", 1)
            .put("cache_creation_input_tokens", turn.cacheWriteTokens())
            .put("cache_read_input_tokens", turn.cacheReadTokens())))));
    int index = 0;
    for (FakeTurn.Block block : turn.blocks()) {
      if (block instanceof FakeTurn.Thinking th) {
        out.add(blockStart(index, new JsonObject().put("type", "thinking").put("thinking", "").put("signature", "")));
        for (String c : th.chunks()) {
          out.add(delta(index, new JsonObject().put("type", "thinking_delta").put("thinking", c)));
        }
        out.add(delta(index, new JsonObject().put("type", "signature_delta").put("signature", th.signature())));
      } else if (block instanceof FakeTurn.Text tx) {
        out.add(blockStart(index, new JsonObject().put("type", "text").put("text", "")));
        for (String c : tx.chunks()) {
          out.add(delta(index, new JsonObject().put("type", "text_delta").put("text", c)));
        }
      } else if (block instanceof FakeTurn.ToolCall tc) {
        out.add(blockStart(index, new JsonObject().put("type", "tool_use").put("id", "toolu_fake_" + Wire.nextId())
            .put("name", tc.name()).put("input", new JsonObject())));
        out.add(delta(index, new JsonObject().put("type", "input_json_delta").put("partial_json", "")));
        for (String frag : FakeTurn.split(tc.arguments().encode(), turn.argumentFragments)) {
          out.add(delta(index, new JsonObject().put("type", "input_json_delta").put("partial_json", frag)));
        }
      }
      out.add(event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", index)));
      if (index == 0) out.add("event: ping\ndata: {\"type\": \"ping\"}\n\n");
      index++;
    }
    String stop = switch (turn.stopReason()) {
      case TOOL_USE -> "tool_use";
      case MAX_TOKENS -> "max_tokens";
      case END_TURN -> "end_turn";
    };
    out.add(event("message_delta", new JsonObject().put("type", "message_delta")
        .put("delta", new JsonObject().put("stop_reason", stop).put("stop_sequence", null))
        .put("usage", new JsonObject().put("output_tokens", turn.outputTokens()))));
    out.add(event("message_stop", new JsonObject().put("type", "message_stop")));
    return out;
  }

  private static String blockStart(int index, JsonObject block) {
    return event("content_block_start", new JsonObject().put("type", "content_block_start").put("index", index)
        .put("content_block", block));
  }

  private static String delta(int index, JsonObject delta) {
    return event("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", index)
        .put("delta", delta));
  }

  static String event(String name, JsonObject data) {
    return "event: " + name + "\ndata: " + data.encode() + "\n\n";
  }

  @Override
  public String midStreamError(String kind) {
    String type = switch (kind) {
      case "rate_limited" -> "rate_limit_error";
      case "server_error" -> "api_error";
      default -> "overloaded_error";
    };
    String msg = type.equals("overloaded_error") ? "Overloaded" : "Internal server error";
    return event("error", new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", msg)));
  }

  @Override
  public JsonObject errorBody(int status, String message, String typeOverride) {
    String type = typeOverride != null ? typeOverride : switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 504 -> "timeout_error";
      case 529 -> "overloaded_error";
      default -> "api_error";
    };
    String msg = message != null ? message : switch (status) {
      case 401 -> "invalid x-api-key";
      case 429 -> "Number of request tokens has exceeded your per-minute rate limit";
      case 529 -> "Overloaded";
      default -> "fake upstream error " + status;
    };
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("type", type).put("message", msg))
        .put("request_id", "req_fake_" + Wire.nextId());
  }

  @Override
  public JsonObject models() {
    JsonArray data = new JsonArray();
    for (String[] m : new String[][] {{"claude-sonnet-4-5", "Claude Sonnet 4.5"}, {"claude-haiku-4-5", "Claude Haiku 4.5"},
        {"claude-opus-4-1", "Claude Opus 4.1"}}) {
      data.add(new JsonObject().put("type", "model").put("id", m[0]).put("display_name", m[1])
          .put("created_at", "2025-09-29T00:00:00Z"));
    }
    return new JsonObject().put("data", data).put("has_more", false)
        .put("first_id", data.getJsonObject(0).getString("id")).put("last_id", data.getJsonObject(data.size() - 1).getString("id"));
  }

  @Override
  public Conversation read(JsonObject body) {
    JsonArray messages = body.getJsonArray("messages", new JsonArray());
    Map<String, String> toolNames = new HashMap<>();
    int chars = String.valueOf(body.getValue("system", "")).length();
    for (Object o : messages) {
      JsonObject m = (JsonObject) o;
      chars += String.valueOf(m.getValue("content")).length();
      if (m.getValue("content") instanceof JsonArray parts) {
        for (Object p : parts) {
          JsonObject part = (JsonObject) p;
          if ("tool_use".equals(part.getString("type"))) toolNames.put(part.getString("id"), part.getString("name"));
        }
      }
    }
    if (messages.isEmpty()) return new Conversation("", List.of(), chars);
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    List<Conversation.ToolResult> results = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    Object content = last.getValue("content");
    if (content instanceof String s) {
      text.append(s);
    } else if (content instanceof JsonArray parts) {
      for (Object p : parts) {
        JsonObject part = (JsonObject) p;
        if ("tool_result".equals(part.getString("type"))) {
          String id = part.getString("tool_use_id");
          results.add(new Conversation.ToolResult(toolNames.getOrDefault(id, id), Wire.textOf(part.getValue("content"))));
        } else if ("text".equals(part.getString("type"))) {
          text.append(part.getString("text"));
        }
      }
    }
    return new Conversation(text.toString(), results, chars);
  }

  @Override
  public String apiKey(HttpServerRequest req) {
    String key = req.getHeader("x-api-key");
    return key != null ? key : Wire.bearer(req);
  }
}
