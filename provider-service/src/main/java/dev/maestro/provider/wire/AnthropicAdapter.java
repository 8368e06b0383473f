package dev.maestro.provider.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.maestro.contracts.provider.Providers;
import dev.maestro.contracts.Parts;
import dev.maestro.contracts.provider.ChatRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Anthropic Messages API ({@code POST /v1/messages}, stream: true). */
public final class AnthropicAdapter implements WireAdapter {
  public static final String VERSION = "2023-06-01";
  public static final String OAUTH_BETA = "oauth-2025-04-20";
  static final int DEFAULT_MAX_TOKENS = 8192;

  @Override
  public String name() {
    return Providers.ANTHROPIC;
  }

  @Override
  public UpstreamRequest streamRequest(ChatRequest req, Credential cred, String baseUrl) {
    JsonObject body = new JsonObject().put("model", req.getModel())
        .put("max_tokens", req.getMaxTokens() != null ? req.getMaxTokens() : DEFAULT_MAX_TOKENS)
        .put("stream", true);
    if (req.getSystem() != null && !req.getSystem().isEmpty()) body.put("system", req.getSystem());
    if (req.getTemperature() != null) body.put("temperature", req.getTemperature());
    body.put("messages", messages(req.getMessages()));
    if (req.getTools() != null && !req.getTools().isEmpty()) {
      JsonArray tools = new JsonArray();
      for (Object o : req.getTools()) {
        JsonObject t = (JsonObject) o;
        JsonObject tool = new JsonObject().put("name", t.getString("name"))
            .put("input_schema", t.getJsonObject("inputSchema", new JsonObject().put("type", "object")));
        if (t.getString("description") != null) tool.put("description", t.getString("description"));
        tools.add(tool);
      }
      body.put("tools", tools);
    }
    Wires.mergeExtras(body, req.getExtras());
    MultiMap headers = Wires.jsonHeaders().add("anthropic-version", VERSION);
    Set<String> betas = new LinkedHashSet<>();
    JsonArray extraBetas = req.getExtras() == null ? null : req.getExtras().getJsonArray(ChatExtras.BETAS);
    if (extraBetas != null) extraBetas.forEach(b -> betas.add(String.valueOf(b)));
    auth(headers, cred, betas);
    return new UpstreamRequest(HttpMethod.POST, Wires.trimSlash(baseUrl) + "/v1/messages", headers, body.toBuffer());
  }

  private static void auth(MultiMap headers, Credential cred, Set<String> betas) {
    if (cred.bearer()) {
      headers.add("authorization", "Bearer " + cred.secret());
      betas.add(OAUTH_BETA);
    } else {
      headers.add("x-api-key", cred.secret());
    }
    if (!betas.isEmpty()) headers.add("anthropic-beta", String.join(",", betas));
  }

  static JsonArray messages(JsonArray in) {
    JsonArray out = new JsonArray();
    for (Object o : in) {
      JsonObject m = (JsonObject) o;
      String role = Wires.role(m);
      if (role.equals("system")) continue;
      JsonArray content = new JsonArray();
      for (JsonObject p : Wires.parts(m)) {
        JsonObject block = block(p);
        if (block != null) content.add(block);
      }
      if (content.isEmpty()) continue;
      out.add(new JsonObject().put("role", role.equals("assistant") ? "assistant" : "user").put("content", content));
    }
    return out;
  }

  private static JsonObject block(JsonObject p) {
    String type = p.getString("type", "text");
    switch (type) {
      case "text":
        String text = p.getString("text", "");
        return text.isEmpty() ? null : new JsonObject().put("type", "text").put("text", text);
      case "image":
        if (p.getString("url") != null) {
          return new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "url").put("url", p.getString("url")));
        }
        return new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
            .put("media_type", p.getString("mediaType", "image/png")).put("data", p.getString("data")));
      case "tool_call":
        return new JsonObject().put("type", "tool_use").put("id", p.getString("callId")).put("name", p.getString("name"))
            .put("input", Wires.partArguments(p));
      case "tool_result":
        JsonObject r = new JsonObject().put("type", "tool_result").put("tool_use_id", p.getString("callId"))
            .put("content", Parts.resultText(p.getValue("content")));
        if (p.getBoolean("isError", false)) r.put("is_error", true);
        return r;
      case "thinking":
        // only signed (Anthropic-made) thinking can be sent back; other providers' thoughts are dropped
        if (p.getString("redactedData") != null) {
          return new JsonObject().put("type", "redacted_thinking").put("data", p.getString("redactedData"));
        }
        if (p.getString("signature") == null || p.getString("signature").isEmpty()) return null;
        return new JsonObject().put("type", "thinking").put("thinking", p.getString("text", ""))
            .put("signature", p.getString("signature"));
      default:
        return null;
    }
  }

  @Override
  public StreamDecoder decoder(EventSink sink) {
    return new Decoder(sink);
  }

  static final class Decoder extends TypedEventDecoder {
    private final Map<Integer, JsonObject> blocks = new HashMap<>();
    private final Map<Integer, StringBuilder> json = new HashMap<>();
    private final Map<Integer, StringBuilder> signatures = new HashMap<>();
    private long input;
    private long output;
    private long cacheRead;
    private long cacheWrite;
    private String stopReason;

    Decoder(EventSink sink) {
      super(sink);
    }

    /**
     * {@code content_block_delta} with a {@code text_delta} or {@code thinking_delta}: reads
     * {@code type}, {@code index} (only checked: the tree path reads it as a number) and
     * {@code delta.type} / {@code delta.text} / {@code delta.thinking}; every other event declines.
     */
    @Override
    protected boolean decodeFast(String event, byte[] bytes, int length) throws IOException {
      String type = null;
      String deltaType = null;
      String text = null;
      String thinking = null;
      boolean index = false;
      boolean delta = false;
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
            case "index" -> {
              if (index || v != JsonToken.VALUE_NUMBER_INT) return false;
              index = true;
            }
            case "delta" -> {
              if (delta || v != JsonToken.START_OBJECT) return false;
              delta = true;
              JsonToken d;
              while ((d = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken dv = p.nextToken();
                switch (field) {
                  case "type" -> {
                    if (deltaType != null || dv != JsonToken.VALUE_STRING) return false;
                    deltaType = p.getText();
                  }
                  case "text" -> {
                    if (text != null || dv != JsonToken.VALUE_STRING) return false;
                    text = p.getText();
                  }
                  case "thinking" -> {
                    if (thinking != null || dv != JsonToken.VALUE_STRING) return false;
                    thinking = p.getText();
                  }
                  default -> FastJson.skip(p);
                }
              }
              if (d != JsonToken.END_OBJECT) return false;
            }
            default -> FastJson.skip(p);
          }
        }
        if (!FastJson.end(p, t) || !"content_block_delta".equals(type) || deltaType == null) return false;
      }
      if (deltaType.equals("text_delta") && text != null) sink.text(text);
      else if (deltaType.equals("thinking_delta") && thinking != null) sink.thinking(thinking);
      else return false;
      return true;
    }

    @Override
    protected void decode(String type, JsonObject data) {
      switch (type) {
        case "message_start" -> {
          JsonObject usage = data.getJsonObject("message", new JsonObject()).getJsonObject("usage");
          if (usage != null) readUsage(usage);
        }
        case "content_block_start" -> {
          int index = data.getInteger("index", 0);
          JsonObject block = data.getJsonObject("content_block", new JsonObject());
          blocks.put(index, block);
          if ("redacted_thinking".equals(block.getString("type"))) sink.redactedThinking(block.getString("data"));
        }
        case "content_block_delta" -> delta(data.getInteger("index", 0), data.getJsonObject("delta", new JsonObject()));
        case "content_block_stop" -> stop(data.getInteger("index", 0));
        case "message_delta" -> {
          JsonObject delta = data.getJsonObject("delta", new JsonObject());
          if (delta.getString("stop_reason") != null) stopReason = delta.getString("stop_reason");
          JsonObject usage = data.getJsonObject("usage");
          if (usage != null) readUsage(usage);
        }
        case "message_stop" -> complete(new Usage(input, output, cacheRead, cacheWrite), normalize(stopReason), stopReason);
        case "error" -> {
          JsonObject err = data.getJsonObject("error", new JsonObject());
          String errType = err.getString("type", "api_error");
          fail(UpstreamError.of(statusOf(errType), errType, err.getString("message", errType)));
        }
        default -> { /* ping and future event types are ignored */ }
      }
    }

    private void readUsage(JsonObject u) {
      // message_delta counts are cumulative; fields absent from one event keep their value
      if (u.getValue("input_tokens") instanceof Number n) input = n.longValue();
      if (u.getValue("output_tokens") instanceof Number n) output = n.longValue();
      if (u.getValue("cache_read_input_tokens") instanceof Number n) cacheRead = n.longValue();
      if (u.getValue("cache_creation_input_tokens") instanceof Number n) cacheWrite = n.longValue();
    }

    private void delta(int index, JsonObject delta) {
      switch (delta.getString("type", "")) {
        case "text_delta" -> sink.text(delta.getString("text", ""));
        case "thinking_delta" -> sink.thinking(delta.getString("thinking", ""));
        case "signature_delta" -> signatures.computeIfAbsent(index, i -> new StringBuilder()).append(delta.getString("signature", ""));
        case "input_json_delta" -> json.computeIfAbsent(index, i -> new StringBuilder()).append(delta.getString("partial_json", ""));
        default -> { /* citations_delta and unknown deltas */ }
      }
    }

    private void stop(int index) {
      JsonObject block = blocks.remove(index);
      if (block == null) return;
      String type = block.getString("type", "");
      if (type.equals("tool_use") || type.equals("server_tool_use")) {
        StringBuilder sb = json.remove(index);
        JsonObject args = sb != null && !sb.isEmpty() ? Wires.arguments(sb.toString()) : block.getJsonObject("input", new JsonObject());
        sink.toolCall(block.getString("id"), block.getString("name"), args, null);
      } else if (type.equals("thinking")) {
        StringBuilder sig = signatures.remove(index);
        String signature = sig != null ? sig.toString() : block.getString("signature", "");
        if (!signature.isEmpty()) sink.thinkingSignature(signature);
      }
    }

    @Override
    protected void endedEarly() {
      cut("anthropic stream ended before message_stop");
    }
  }

  static int statusOf(String errorType) {
    return switch (errorType) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 500;
    };
  }

  static String normalize(String stop) {
    if (stop == null) return "end_turn";
    return switch (stop) {
      case "end_turn", "tool_use", "max_tokens", "stop_sequence", "refusal", "pause_turn" -> stop;
      case "model_context_window_exceeded" -> "max_tokens";
      default -> "other";
    };
  }

  @Override
  public UpstreamError parseError(int status, MultiMap headers, Buffer body) {
    JsonObject json = Wires.jsonOrNull(body);
    JsonObject err = json == null ? null : json.getJsonObject("error");
    String type = err != null ? err.getString("type") : null;
    String message = err != null ? Wires.errorMessage(err.getString("message", "")) : "";
    return new UpstreamError(status, type, message, Wires.retryAfterMs(headers), Wires.shouldRetry(headers));
  }

  @Override
  public UpstreamRequest modelsRequest(Credential cred, String baseUrl) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("anthropic-version", VERSION).add("accept", "application/json");
    auth(headers, cred, new LinkedHashSet<>());
    return new UpstreamRequest(HttpMethod.GET, Wires.trimSlash(baseUrl) + "/v1/models?limit=1000", headers, null);
  }

  @Override
  public List<JsonObject> parseModels(String provider, JsonObject body) {
    List<JsonObject> out = new ArrayList<>();
    for (Object o : body.getJsonArray("data", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      out.add(new JsonObject().put("id", m.getString("id")).put("provider", provider)
          .put("displayName", m.getString("display_name", m.getString("id"))));
    }
    return out;
  }
}
