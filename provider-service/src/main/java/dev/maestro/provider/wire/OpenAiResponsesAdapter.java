package dev.maestro.provider.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.maestro.contracts.Parts;
import dev.maestro.contracts.provider.ChatRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** OpenAI Responses API ({@code POST {base}/responses}, stream: true, store: false). */
public final class OpenAiResponsesAdapter implements WireAdapter {
  private final OpenAiChatAdapter chat = new OpenAiChatAdapter(false);

  @Override
  public String name() {
    return "openai-responses";
  }

  @Override
  public UpstreamRequest streamRequest(ChatRequest req, Credential cred, String baseUrl) {
    JsonObject body = new JsonObject().put("model", req.getModel()).put("stream", true).put("store", false);
    if (req.getSystem() != null && !req.getSystem().isEmpty()) body.put("instructions", req.getSystem());
    JsonArray input = new JsonArray();
    for (Object o : req.getMessages()) {
      JsonObject m = (JsonObject) o;
      boolean assistant = Wires.role(m).equals("assistant");
      JsonArray content = new JsonArray();
      for (JsonObject p : Wires.parts(m)) {
        switch (p.getString("type", "text")) {
          case "text" -> content.add(new JsonObject().put("type", assistant ? "output_text" : "input_text")
              .put("text", p.getString("text", "")));
          case "image" -> {
            if (!assistant) {
              String url = p.getString("url") != null ? p.getString("url")
                  : "data:" + p.getString("mediaType", "image/png") + ";base64," + p.getString("data");
              content.add(new JsonObject().put("type", "input_image").put("image_url", url));
            }
          }
          case "tool_call" -> {
            flush(input, content, assistant);
            input.add(new JsonObject().put("type", "function_call").put("call_id", p.getString("callId"))
                .put("name", p.getString("name")).put("arguments", Wires.partArguments(p).encode()));
          }
          case "tool_result" -> {
            flush(input, content, assistant);
            input.add(new JsonObject().put("type", "function_call_output").put("call_id", p.getString("callId"))
                .put("output", Parts.resultText(p.getValue("content"))));
          }
          default -> { /* reasoning is not replayed (store: false, no encrypted content requested) */ }
        }
      }
      flush(input, content, assistant);
    }
    body.put("input", input);
    if (req.getMaxTokens() != null) body.put("max_output_tokens", req.getMaxTokens());
    if (req.getTemperature() != null) body.put("temperature", req.getTemperature());
    if (req.getTools() != null && !req.getTools().isEmpty()) {
      JsonArray tools = new JsonArray();
      for (Object o : req.getTools()) {
        JsonObject t = (JsonObject) o;
        JsonObject tool = new JsonObject().put("type", "function").put("name", t.getString("name"))
            .put("parameters", t.getJsonObject("inputSchema", new JsonObject().put("type", "object"))).put("strict", false);
        if (t.getString("description") != null) tool.put("description", t.getString("description"));
        tools.add(tool);
      }
      body.put("tools", tools);
    }
    Wires.mergeExtras(body, req.getExtras());
    MultiMap headers = Wires.jsonHeaders().add("authorization", "Bearer " + cred.secret());
    return new UpstreamRequest(HttpMethod.POST, Wires.trimSlash(baseUrl) + "/responses", headers, body.toBuffer());
  }

  private static void flush(JsonArray input, JsonArray content, boolean assistant) {
    if (content.isEmpty()) return;
    input.add(new JsonObject().put("role", assistant ? "assistant" : "user").put("content", content.copy()));
    content.clear();
  }

  @Override
  public StreamDecoder decoder(EventSink sink) {
    return new Decoder(sink);
  }

  static final class Decoder extends TypedEventDecoder {
    private final Map<String, JsonObject> calls = new HashMap<>();
    private final Map<String, StringBuilder> args = new HashMap<>();
    private final Set<String> emitted = new HashSet<>();
    private boolean sawCall;

    Decoder(EventSink sink) {
      super(sink);
    }

    /**
     * Text, refusal and reasoning deltas: reads {@code type} and the string {@code delta}; every
     * other event (and a delta without its string) declines.
     */
    @Override
    protected boolean decodeFast(String event, byte[] bytes, int length) throws IOException {
      String type = null;
      String delta = null;
      try (JsonParser p = FastJson.open(bytes, length)) {
        if (p == null) return false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken v = p.nextToken();
          switch (name) {
            case "type" -> {
              if (type != null || v != JsonToken.VALUE_STRING) return false;
              type = p.getText();
            }
            case "delta" -> {
              if (delta != null || v != JsonToken.VALUE_STRING) return false;
              delta = p.getText();
            }
            default -> FastJson.skip(p);
          }
        }
        if (!FastJson.end(p, t) || type == null || delta == null) return false;
      }
      switch (type) {
        case "response.output_text.delta", "response.refusal.delta" -> sink.text(delta);
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" -> sink.thinking(delta);
        default -> {
          return false;
        }
      }
      return true;
    }

    @Override
    protected void decode(String type, JsonObject data) {
      switch (type) {
        case "response.output_text.delta", "response.refusal.delta" -> sink.text(data.getString("delta", ""));
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" -> sink.thinking(data.getString("delta", ""));
        case "response.output_item.added" -> {
          JsonObject item = data.getJsonObject("item", new JsonObject());
          if ("function_call".equals(item.getString("type"))) calls.put(item.getString("id"), item);
        }
        case "response.function_call_arguments.delta" ->
            args.computeIfAbsent(data.getString("item_id"), k -> new StringBuilder()).append(data.getString("delta", ""));
        case "response.output_item.done" -> {
          JsonObject item = data.getJsonObject("item", new JsonObject());
          if ("function_call".equals(item.getString("type"))) emitCall(item);
        }
        case "response.completed", "response.incomplete" -> {
          JsonObject response = data.getJsonObject("response", new JsonObject());
          for (Object o : response.getJsonArray("output", new JsonArray())) {
            JsonObject item = (JsonObject) o;
            if ("function_call".equals(item.getString("type"))) emitCall(item);
          }
          TerminatingDecoder.Usage usage = OpenAiChatAdapter.usage(response.getJsonObject("usage"),
              "input_tokens", "output_tokens", "input_tokens_details");
          if (type.equals("response.incomplete")) {
            JsonObject d = response.getJsonObject("incomplete_details");
            String reason = d == null ? "incomplete" : d.getString("reason", "incomplete");
            complete(usage, reason.equals("content_filter") ? "refusal" : "max_tokens", reason);
          } else {
            complete(usage, sawCall ? "tool_use" : "end_turn", response.getString("status", "completed"));
          }
        }
        case "response.failed" -> {
          JsonObject err = data.getJsonObject("response", new JsonObject()).getJsonObject("error", new JsonObject());
          String code = err.getString("code", "server_error");
          fail(UpstreamError.of(OpenAiChatAdapter.statusOf(code, null), code, err.getString("message", "response failed")));
        }
        case "error" -> {
          String code = data.getValue("code") == null ? "server_error" : String.valueOf(data.getValue("code"));
          fail(UpstreamError.of(OpenAiChatAdapter.statusOf(code, null), code, data.getString("message", "upstream error")));
        }
        default -> { /* lifecycle and built-in tool events */ }
      }
    }

    private void emitCall(JsonObject item) {
      String itemId = item.getString("id");
      if (itemId != null && !emitted.add(itemId)) return;
      sawCall = true;
      JsonObject added = calls.getOrDefault(itemId, item);
      String arguments = item.getString("arguments");
      if (arguments == null || arguments.isEmpty()) {
        StringBuilder sb = args.get(itemId);
        arguments = sb == null ? "" : sb.toString();
      }
      String callId = item.getString("call_id", added.getString("call_id", itemId));
      sink.toolCall(callId, item.getString("name", added.getString("name")), Wires.arguments(arguments), null);
    }

    @Override
    protected void endedEarly() {
      cut("responses stream ended before response.completed");
    }
  }

  @Override
  public UpstreamError parseError(int status, MultiMap headers, Buffer body) {
    return chat.parseError(status, headers, body);
  }

  @Override
  public UpstreamRequest modelsRequest(Credential cred, String baseUrl) {
    return chat.modelsRequest(cred, baseUrl);
  }

  @Override
  public List<JsonObject> parseModels(String provider, JsonObject body) {
    return chat.parseModels(provider, body);
  }
}
