package dev.maestro.provider.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.maestro.contracts.Parts;
import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.platform.sse.SseEvent;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * OpenAI Chat Completions ({@code POST {base}/chat/completions}), also used for any
 * openai-compatible server (llama.cpp, vLLM, Ollama, LM Studio, gateways). Reasoning deltas are read
 * from {@code reasoning_content} / {@code reasoning}, which those servers use.
 */
public final class OpenAiChatAdapter implements WireAdapter {
  private final boolean compatible;

  /** compatible: an openai-compatible server (sends {@code max_tokens}, not {@code max_completion_tokens}). */
  public OpenAiChatAdapter(boolean compatible) {
    this.compatible = compatible;
  }

  @Override
  public String name() {
    return "openai-chat";
  }

  @Override
  public UpstreamRequest streamRequest(ChatRequest req, Credential cred, String baseUrl) {
    JsonObject body = new JsonObject().put("model", req.getModel()).put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));
    JsonArray messages = new JsonArray();
    if (req.getSystem() != null && !req.getSystem().isEmpty()) {
      messages.add(new JsonObject().put("role", "system").put("content", req.getSystem()));
    }
    for (Object o : req.getMessages()) convert((JsonObject) o).forEach(messages::add);
    body.put("messages", messages);
    if (req.getMaxTokens() != null) body.put(compatible ? "max_tokens" : "max_completion_tokens", req.getMaxTokens());
    if (req.getTemperature() != null) body.put("temperature", req.getTemperature());
    if (req.getTools() != null && !req.getTools().isEmpty()) {
      JsonArray tools = new JsonArray();
      for (Object o : req.getTools()) {
        JsonObject t = (JsonObject) o;
        JsonObject fn = new JsonObject().put("name", t.getString("name"))
            .put("parameters", t.getJsonObject("inputSchema", new JsonObject().put("type", "object")));
        if (t.getString("description") != null) fn.put("description", t.getString("description"));
        tools.add(new JsonObject().put("type", "function").put("function", fn));
      }
      body.put("tools", tools);
    }
    Wires.mergeExtras(body, req.getExtras());
    MultiMap headers = Wires.jsonHeaders();
    if (cred.secret() != null && !cred.secret().isEmpty()) headers.add("authorization", "Bearer " + cred.secret());
    return new UpstreamRequest(HttpMethod.POST, Wires.trimSlash(baseUrl) + "/chat/completions", headers, body.toBuffer());
  }

  /** One neutral message → Chat Completions messages (tool results become role:tool messages). */
  static List<JsonObject> convert(JsonObject m) {
    String role = Wires.role(m);
    List<JsonObject> out = new ArrayList<>();
    List<JsonObject> parts = Wires.parts(m);
    if (role.equals("assistant")) {
      StringBuilder text = new StringBuilder();
      JsonArray calls = new JsonArray();
      for (JsonObject p : parts) {
        String type = p.getString("type", "text");
        if (type.equals("text")) text.append(p.getString("text", ""));
        else if (type.equals("tool_call")) {
          calls.add(new JsonObject().put("id", p.getString("callId")).put("type", "function")
              .put("function", new JsonObject().put("name", p.getString("name")).put("arguments", Wires.partArguments(p).encode())));
        }
      }
      JsonObject msg = new JsonObject().put("role", "assistant").put("content", text.isEmpty() ? null : text.toString());
      if (!calls.isEmpty()) msg.put("tool_calls", calls);
      if (!text.isEmpty() || !calls.isEmpty()) out.add(msg);
      return out;
    }
    JsonArray content = new JsonArray();
    boolean onlyText = true;
    for (JsonObject p : parts) {
      String type = p.getString("type", "text");
      switch (type) {
        case "tool_result" -> out.add(new JsonObject().put("role", "tool").put("tool_call_id", p.getString("callId"))
            .put("content", Parts.resultText(p.getValue("content"))));
        case "text" -> content.add(new JsonObject().put("type", "text").put("text", p.getString("text", "")));
        case "image" -> {
          onlyText = false;
          String url = p.getString("url") != null ? p.getString("url")
              : "data:" + p.getString("mediaType", "image/png") + ";base64," + p.getString("data");
          content.add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url)));
        }
        default -> { /* thinking is not sent back on Chat Completions */ }
      }
    }
    if (!content.isEmpty()) {
      Object c = content;
      if (onlyText) {
        StringBuilder sb = new StringBuilder();
        content.forEach(x -> sb.append(((JsonObject) x).getString("text")));
        c = sb.toString();
      }
      out.add(new JsonObject().put("role", role.equals("system") ? "system" : "user").put("content", c));
    }
    return out;
  }

  @Override
  public StreamDecoder decoder(EventSink sink) {
    return new Decoder(sink);
  }

  static final class Decoder extends TerminatingDecoder {
    private final Map<Integer, String[]> calls = new TreeMap<>();
    private final Map<Integer, StringBuilder> args = new TreeMap<>();
    private String finish;
    private JsonObject usage;

    Decoder(EventSink sink) {
      super(sink);
    }

    /**
     * A chunk whose first choice's delta carries at most {@code content} (the tree path reads
     * {@code error}, {@code usage}, {@code choices[0].delta} and {@code finish_reason}): it is taken
     * when there is no {@code error} key, {@code usage} and {@code finish_reason} are null or absent,
     * and reasoning, refusal and tool calls are null or absent; everything else declines.
     */
    @Override
    protected boolean decodeFast(String event, byte[] bytes, int length) throws IOException {
      if ("error".equals(event)) return false;
      String content = null;
      try (JsonParser p = FastJson.open(bytes, length)) {
        if (p == null) return false;
        boolean choices = false;
        boolean usage = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken v = p.nextToken();
          switch (name) {
            case "error" -> {
              return false;
            }
            case "usage" -> {
              if (usage || v != JsonToken.VALUE_NULL) return false;
              usage = true;
            }
            case "choices" -> {
              if (choices || v != JsonToken.START_ARRAY || p.nextToken() != JsonToken.START_OBJECT) return false;
              choices = true;
              Object c = firstChoice(p);
              if (c == DECLINE) return false;
              content = (String) c;
              for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                if (e == null) return false;
                FastJson.skip(p);
              }
            }
            default -> FastJson.skip(p);
          }
        }
        if (!FastJson.end(p, t) || !choices) return false;
      }
      if (content != null && !content.isEmpty()) sink.text(content);
      return true;
    }

    private static final Object DECLINE = new Object();

    /** The first choice (from its START_OBJECT to its END_OBJECT): its delta's content, null, or DECLINE. */
    private static Object firstChoice(JsonParser p) throws IOException {
      String content = null;
      boolean delta = false;
      boolean finish = false;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "finish_reason" -> {
            if (finish || v != JsonToken.VALUE_NULL) return DECLINE;
            finish = true;
          }
          case "delta" -> {
            if (delta) return DECLINE;
            delta = true;
            if (v == JsonToken.VALUE_NULL) continue;
            if (v != JsonToken.START_OBJECT) return DECLINE;
            boolean seen = false;
            JsonToken d;
            while ((d = p.nextToken()) == JsonToken.FIELD_NAME) {
              String field = p.currentName();
              JsonToken dv = p.nextToken();
              switch (field) {
                case "content" -> {
                  if (seen || (dv != JsonToken.VALUE_STRING && dv != JsonToken.VALUE_NULL)) return DECLINE;
                  seen = true;
                  content = dv == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                case "reasoning_content", "reasoning", "refusal", "tool_calls" -> {
                  if (dv != JsonToken.VALUE_NULL) return DECLINE;
                }
                default -> FastJson.skip(p);
              }
            }
            if (d != JsonToken.END_OBJECT) return DECLINE;
          }
          default -> FastJson.skip(p);
        }
      }
      return t == JsonToken.END_OBJECT ? content : DECLINE;
    }

    @Override
    protected void decode(SseEvent ev) {
      String data = ev.data();
      if (data.equals("[DONE]")) {
        endStream();
        return;
      }
      JsonObject chunk = Wires.jsonOrNull(data);
      if (chunk == null) return;
      JsonObject err = chunk.getJsonObject("error");
      if (err != null || "error".equals(ev.event())) {
        JsonObject e = err != null ? err : chunk;
        String code = e.getValue("code") == null ? null : String.valueOf(e.getValue("code"));
        String type = e.getString("type");
        fail(UpstreamError.of(statusOf(code, type), code != null ? code : type, e.getString("message", "upstream error")));
        return;
      }
      if (chunk.getValue("usage") instanceof JsonObject u) usage = u;
      JsonArray choices = chunk.getJsonArray("choices");
      if (choices == null || choices.isEmpty()) return;
      JsonObject choice = choices.getJsonObject(0);
      JsonObject delta = choice.getJsonObject("delta");
      if (delta != null) {
        String reasoning = delta.getString("reasoning_content", delta.getString("reasoning"));
        if (reasoning != null && !reasoning.isEmpty()) sink.thinking(reasoning);
        String content = delta.getString("content");
        if (content != null && !content.isEmpty()) sink.text(content);
        String refusal = delta.getString("refusal");
        if (refusal != null && !refusal.isEmpty()) sink.text(refusal);
        JsonArray tc = delta.getJsonArray("tool_calls");
        if (tc != null) {
          for (Object o : tc) {
            JsonObject frag = (JsonObject) o;
            int index = frag.getInteger("index", calls.size());
            String[] call = calls.computeIfAbsent(index, i -> new String[2]);
            if (frag.getString("id") != null) call[0] = frag.getString("id");
            JsonObject fn = frag.getJsonObject("function");
            if (fn != null) {
              if (fn.getString("name") != null) call[1] = fn.getString("name");
              if (fn.getString("arguments") != null) args.computeIfAbsent(index, i -> new StringBuilder()).append(fn.getString("arguments"));
            }
          }
        }
      }
      if (choice.getString("finish_reason") != null) {
        finish = choice.getString("finish_reason");
        flushCalls();
      }
    }

    private void flushCalls() {
      calls.forEach((index, call) -> {
        StringBuilder a = args.get(index);
        String id = call[0] != null ? call[0] : "call_" + index;
        sink.toolCall(id, call[1], Wires.arguments(a == null ? "" : a.toString()), null);
      });
      calls.clear();
      args.clear();
    }

    private void endStream() {
      flushCalls();
      complete(usage(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details"), normalize(finish), finish);
    }

    @Override
    protected void endedEarly() {
      // some compatible servers close without [DONE]; a finish_reason already seen means complete
      if (finish != null) endStream();
      else cut("chat completions stream ended before finish_reason");
    }
  }

  /**
   * Chat Completions and Responses report usage alike under different names; cached input tokens
   * sit in a details object that older and compatible servers leave out.
   */
  static TerminatingDecoder.Usage usage(JsonObject u, String input, String output, String details) {
    if (u == null) return null;
    JsonObject d = u.getJsonObject(details);
    long cached = d == null || d.getValue("cached_tokens") == null ? 0 : d.getLong("cached_tokens");
    return new TerminatingDecoder.Usage(u.getLong(input, 0L), u.getLong(output, 0L), cached, 0);
  }

  static String normalize(String finish) {
    if (finish == null) return "end_turn";
    return switch (finish) {
      case "stop" -> "end_turn";
      case "tool_calls", "function_call" -> "tool_use";
      case "length" -> "max_tokens";
      case "content_filter" -> "refusal";
      default -> "other";
    };
  }

  static int statusOf(String code, String type) {
    String c = code != null ? code : type == null ? "" : type;
    return switch (c) {
      case "invalid_api_key", "authentication_error" -> 401;
      case "rate_limit_exceeded", "insufficient_quota", "requests", "tokens" -> 429;
      case "context_length_exceeded", "invalid_request_error" -> 400;
      case "server_error" -> 500;
      default -> 500;
    };
  }

  @Override
  public UpstreamError parseError(int status, MultiMap headers, Buffer body) {
    JsonObject json = Wires.jsonOrNull(body);
    Object e = json == null ? null : json.getValue("error");
    String type = null;
    String message;
    if (e instanceof JsonObject err) {
      type = err.getValue("code") != null ? String.valueOf(err.getValue("code")) : err.getString("type");
      message = Wires.errorMessage(err.getString("message", ""));
    } else if (e instanceof String s) {
      message = Wires.errorMessage(s); // some compatible servers answer {"error":"..."}
    } else {
      message = ""; // not a known error shape: never echoed (see Wires.errorMessage)
    }
    return new UpstreamError(status, type, message, Wires.retryAfterMs(headers), Wires.shouldRetry(headers));
  }

  @Override
  public UpstreamRequest modelsRequest(Credential cred, String baseUrl) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("accept", "application/json");
    if (cred.secret() != null && !cred.secret().isEmpty()) headers.add("authorization", "Bearer " + cred.secret());
    return new UpstreamRequest(HttpMethod.GET, Wires.trimSlash(baseUrl) + "/models", headers, null);
  }

  @Override
  public List<JsonObject> parseModels(String provider, JsonObject body) {
    List<JsonObject> out = new ArrayList<>();
    for (Object o : body.getJsonArray("data", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      JsonObject model = new JsonObject().put("id", m.getString("id")).put("provider", provider).put("displayName", m.getString("id"));
      if (m.getValue("context_length") instanceof Number n) model.put("contextWindow", n.longValue());
      out.add(model);
    }
    return out;
  }
}
