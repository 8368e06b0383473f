package dev.maestro.testkit.fake;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI Responses API: {@code POST /v1/responses}, named events with a {@code sequence_number},
 * ending with {@code response.completed} / {@code response.incomplete} / {@code response.failed}.
 */
final class OpenAiResponsesWire implements Wire {

  @Override
  public List<String> render(FakeTurn turn, JsonObject request, String model) {
    List<String> out = new ArrayList<>();
    int[] seq = {0};
    String respId = "resp_fake_" + Wire.nextId();
    JsonObject response = new JsonObject().put("id", respId).put("object", "response").put("created_at", 1735000000L)
        .put("status", "in_progress").put("model", model).put("output", new JsonArray()).put("usage", null)
        .put("error", null).put("incomplete_details", null);
    out.add(event(seq, "response.created", new JsonObject().put("response", response.copy())));
    out.add(event(seq, "response.in_progress", new JsonObject().put("response", response.copy())));
    JsonArray output = new JsonArray();
    int outIndex = 0;
    for (FakeTurn.Block block : turn.blocks()) {
      int oi = outIndex++;
      if (block instanceof FakeTurn.Thinking th) {
        String itemId = "rs_fake_" + Wire.nextId();
        String full = String.join("", th.chunks());
        out.add(event(seq, "response.output_item.added", new JsonObject().put("output_index", oi)
            .put("item", new JsonObject().put("id", itemId).put("type", "reasoning").put("summary", new JsonArray()))));
        out.add(event(seq, "response.reasoning_summary_part.added", new JsonObject().put("item_id", itemId)
            .put("output_index", oi).put("summary_index", 0).put("part", new JsonObject().put("type", "summary_text").put("text", ""))));
        for (String c : th.chunks()) {
          out.add(event(seq, "response.reasoning_summary_text.delta", new JsonObject().put("item_id", itemId)
              .put("output_index", oi).put("summary_index", 0).put("delta", c)));
        }
        out.add(event(seq, "response.reasoning_summary_text.done", new JsonObject().put("item_id", itemId)
            .put("output_index", oi).put("summary_index", 0).put("text", full)));
        JsonObject summaryPart = new JsonObject().put("type", "summary_text").put("text", full);
        out.add(event(seq, "response.reasoning_summary_part.done", new JsonObject().put("item_id", itemId)
            .put("output_index", oi).put("summary_index", 0).put("part", summaryPart)));
        JsonObject item = new JsonObject().put("id", itemId).put("type", "reasoning")
            .put("summary", new JsonArray().add(summaryPart.copy()));
        out.add(event(seq, "response.output_item.done", new JsonObject().put("output_index", oi).put("item", item)));
        output.add(item);
      } else if (block instanceof FakeTurn.Text tx) {
        String itemId = "msg_fake_" + Wire.nextId();
        String full = String.join("", tx.chunks());
        out.add(event(seq, "response.output_item.added", new JsonObject().put("output_index", oi)
            .put("item", new JsonObject().put("id", itemId).put("type", "message").put("status", "in_progress")
                .put("role", "assistant").put("content", new JsonArray()))));
        out.add(event(seq, "response.content_part.added", new JsonObject().put("item_id", itemId).put("output_index", oi)
            .put("content_index", 0).put("part", textPart(""))));
        for (String c : tx.chunks()) {
          out.add(event(seq, "response.output_text.delta", new JsonObject().put("item_id", itemId).put("output_index", oi)
              .put("content_index", 0).put("delta", c).put("logprobs", new JsonArray())));
        }
        out.add(event(seq, "response.output_text.done", new JsonObject().put("item_id", itemId).put("output_index", oi)
            .put("content_index", 0).put("text", full).put("logprobs", new JsonArray())));
        out.add(event(seq, "response.content_part.done", new JsonObject().put("item_id", itemId).put("output_index", oi)
            .put("content_index", 0).put("part", textPart(full))));
        JsonObject item = new JsonObject().put("id", itemId).put("type", "message").put("status", "completed")
            .put("role", "assistant").put("content", new JsonArray().add(textPart(full)));
        out.add(event(seq, "response.output_item.done", new JsonObject().put("output_index", oi).put("item", item)));
        output.add(item);
      } else if (block instanceof FakeTurn.ToolCall tc) {
        long n = Wire.nextId();
        String itemId = "fc_fake_" + n;
        String callId = "call_fake_" + n;
        String args = tc.arguments().encode();
        out.add(event(seq, "response.output_item.added", new JsonObject().put("output_index", oi)
            .put("item", new JsonObject().put("id", itemId).put("type", "function_call").put("status", "in_progress")
                .put("call_id", callId).put("name", tc.name()).put("arguments", ""))));
        for (String frag : FakeTurn.split(args, turn.argumentFragments)) {
          out.add(event(seq, "response.function_call_arguments.delta", new JsonObject().put("item_id", itemId)
              .put("output_index", oi).put("delta", frag)));
        }
        out.add(event(seq, "response.function_call_arguments.done", new JsonObject().put("item_id", itemId)
            .put("output_index", oi).put("name", tc.name()).put("arguments", args)));
        JsonObject item = new JsonObject().put("id", itemId).put("type", "function_call").put("status", "completed")
            .put("call_id", callId).put("name", tc.name()).put("arguments", args);
        out.add(event(seq, "response.output_item.done", new JsonObject().put("output_index", oi).put("item", item)));
        output.add(item);
      }
    }
    boolean incomplete = turn.stopReason() == FakeTurn.Stop.MAX_TOKENS;
    long in = turn.inputTokens();
    long outTokens = turn.outputTokens();
    JsonObject done = response.copy().put("status", incomplete ? "incomplete" : "completed").put("output", output)
        .put("incomplete_details", incomplete ? new JsonObject().put("reason", "max_output_tokens") : null)
        .put("usage", new JsonObject().put("input_tokens", in)
            .put("input_tokens_details", new JsonObject().put("cached_tokens", turn.cacheReadTokens()))
            .put("output_tokens", outTokens).put("output_tokens_details", new JsonObject().put("reasoning_tokens", 0))
            .put("total_tokens", in + outTokens));
    out.add(event(seq, incomplete ? "response.incomplete" : "response.completed", new JsonObject().put("response", done)));
    return out;
  }

  private static JsonObject textPart(String text) {
    return new JsonObject().put("type", "output_text").put("text", text).put("annotations", new JsonArray());
  }

  private static String event(int[] seq, String type, JsonObject fields) {
    JsonObject data = new JsonObject().put("type", type).put("sequence_number", seq[0]++);
    data.mergeIn(fields);
    return "event: " + type + "\ndata: " + data.encode() + "\n\n";
  }

  @Override
  public String midStreamError(String kind) {
    String code = "rate_limited".equals(kind) ? "rate_limit_exceeded" : "server_error";
    String msg = "overloaded".equals(kind) ? "The server is overloaded" : "The server had an error";
    JsonObject resp = new JsonObject().put("id", "resp_fake_" + Wire.nextId()).put("object", "response")
        .put("status", "failed").put("output", new JsonArray()).put("usage", null)
        .put("error", new JsonObject().put("code", code).put("message", msg));
    return "event: response.failed\ndata: " + new JsonObject().put("type", "response.failed")
        .put("sequence_number", 999).put("response", resp).encode() + "\n\n";
  }

  @Override
  public JsonObject errorBody(int status, String message, String typeOverride) {
    return new OpenAiChatWire().errorBody(status, message, typeOverride);
  }

  @Override
  public JsonObject models() {
    return new OpenAiChatWire().models();
  }

  @Override
  public Conversation read(JsonObject body) {
    Object input = body.getValue("input");
    int chars = String.valueOf(body.getValue("instructions", "")).length() + String.valueOf(input).length();
    if (input instanceof String s) return new Conversation(s, List.of(), chars);
    JsonArray items = input instanceof JsonArray a ? a : new JsonArray();
    Map<String, String> toolNames = new HashMap<>();
    for (Object o : items) {
      JsonObject item = (JsonObject) o;
      if ("function_call".equals(item.getString("type"))) toolNames.put(item.getString("call_id"), item.getString("name"));
    }
    List<Conversation.ToolResult> results = new ArrayList<>();
    int i = items.size() - 1;
    while (i >= 0 && "function_call_output".equals(items.getJsonObject(i).getString("type"))) i--;
    for (int j = i + 1; j < items.size(); j++) {
      JsonObject item = items.getJsonObject(j);
      String id = item.getString("call_id");
      results.add(new Conversation.ToolResult(toolNames.getOrDefault(id, id), Wire.textOf(item.getValue("output"))));
    }
    String text = "";
    if (results.isEmpty() && !items.isEmpty()) text = Wire.textOf(items.getJsonObject(items.size() - 1).getValue("content"));
    return new Conversation(text, results, chars);
  }

  @Override
  public String apiKey(HttpServerRequest req) {
    return Wire.bearer(req);
  }
}
