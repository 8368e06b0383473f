package dev.maestro.provider.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.maestro.contracts.provider.Providers;
import dev.maestro.contracts.Parts;
import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.platform.sse.SseEvent;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Gemini API ({@code POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse}). Function
 * calls arrive whole and usually without an id: one is made up (prefix {@value #LOCAL_ID}) and not
 * sent back. A {@code thoughtSignature} travels on the tool_call event/part and is echoed back.
 */
public final class GeminiAdapter implements WireAdapter {
  static final String LOCAL_ID = "gemini-call-";

  @Override
  public String name() {
    return Providers.GEMINI;
  }

  @Override
  public UpstreamRequest streamRequest(ChatRequest req, Credential cred, String baseUrl) {
    JsonObject body = new JsonObject();
    Map<String, String> names = new HashMap<>();
    for (Object o : req.getMessages()) {
      for (JsonObject p : Wires.parts((JsonObject) o)) {
        if ("tool_call".equals(p.getString("type"))) names.put(p.getString("callId"), p.getString("name"));
      }
    }
    JsonArray contents = new JsonArray();
    for (Object o : req.getMessages()) {
      JsonObject m = (JsonObject) o;
      boolean model = Wires.role(m).equals("assistant");
      JsonArray parts = new JsonArray();
      for (JsonObject p : Wires.parts(m)) {
        switch (p.getString("type", "text")) {
          case "text" -> {
            if (!p.getString("text", "").isEmpty()) parts.add(new JsonObject().put("text", p.getString("text")));
          }
          case "image" -> parts.add(new JsonObject().put("inlineData", new JsonObject()
              .put("mimeType", p.getString("mediaType", "image/png")).put("data", p.getString("data"))));
          case "tool_call" -> {
            JsonObject fc = new JsonObject().put("name", p.getString("name")).put("args", Wires.partArguments(p));
            String id = p.getString("callId");
            if (id != null && !id.startsWith(LOCAL_ID)) fc.put("id", id);
            JsonObject part = new JsonObject().put("functionCall", fc);
            if (p.getString("signature") != null) part.put("thoughtSignature", p.getString("signature"));
            parts.add(part);
          }
          case "tool_result" -> {
            String id = p.getString("callId");
            String text = Parts.resultText(p.getValue("content"));
            JsonObject fr = new JsonObject().put("name", names.getOrDefault(id, p.getString("name", id)))
                .put("response", new JsonObject().put(p.getBoolean("isError", false) ? "error" : "result", text));
            if (id != null && !id.startsWith(LOCAL_ID)) fr.put("id", id);
            parts.add(new JsonObject().put("functionResponse", fr));
          }
          default -> { /* thought summaries are not sent back */ }
        }
      }
      if (!parts.isEmpty()) contents.add(new JsonObject().put("role", model ? "model" : "user").put("parts", parts));
    }
    body.put("contents", contents);
    if (req.getSystem() != null && !req.getSystem().isEmpty()) {
      body.put("systemInstruction", new JsonObject().put("parts", new JsonArray().add(new JsonObject().put("text", req.getSystem()))));
    }
    if (req.getTools() != null && !req.getTools().isEmpty()) {
      JsonArray decls = new JsonArray();
      for (Object o : req.getTools()) {
        JsonObject t = (JsonObject) o;
        JsonObject d = new JsonObject().put("name", t.getString("name"))
            .put("parametersJsonSchema", t.getJsonObject("inputSchema", new JsonObject().put("type", "object")));
        if (t.getString("description") != null) d.put("description", t.getString("description"));
        decls.add(d);
      }
      body.put("tools", new JsonArray().add(new JsonObject().put("functionDeclarations", decls)));
    }
    JsonObject gen = new JsonObject();
    if (req.getMaxTokens() != null) gen.put("maxOutputTokens", req.getMaxTokens());
    if (req.getTemperature() != null) gen.put("temperature", req.getTemperature());
    if (!gen.isEmpty()) body.put("generationConfig", gen);
    Wires.mergeExtras(body, req.getExtras());
    MultiMap headers = Wires.jsonHeaders();
    auth(headers, cred);
    String url = Wires.trimSlash(baseUrl) + "/v1beta/models/" + URLEncoder.encode(req.getModel(), StandardCharsets.UTF_8)
        + ":streamGenerateContent?alt=sse";
    return new UpstreamRequest(HttpMethod.POST, url, headers, body.toBuffer());
  }

  private static void auth(MultiMap headers, Credential cred) {
    if (cred.bearer()) headers.add("authorization", "Bearer " + cred.secret());
    else headers.add("x-goog-api-key", cred.secret());
  }

  @Override
  public StreamDecoder decoder(EventSink sink) {
    return new Decoder(sink);
  }

  static final class Decoder extends TerminatingDecoder {
    private String finishReason;
    private JsonObject usage;
    /**
     * The last usageMetadata the fast path saw, as its bytes (length -1: none newer than
     * {@link #usage}); decoded only at the end, where it is read.
     */
    private byte[] usageBytes = new byte[0];
    private int usageLength = -1;
    /** The fast path's text parts of one chunk (text, thought?) until the whole chunk is read. */
    private final List<String> texts = new ArrayList<>();
    private final List<Boolean> thoughts = new ArrayList<>();
    private boolean sawCall;

    Decoder(EventSink sink) {
      super(sink);
    }

    /**
     * A chunk of text (or thought) parts: no {@code error} key, a non-empty {@code candidates} whose
     * first candidate has no (or a null) {@code finishReason}, and whose parts are objects with a
     * string (or null) {@code text}, an optional boolean {@code thought} and no {@code functionCall};
     * {@code usageMetadata}, an object or null, is kept as bytes. Everything else declines.
     */
    @Override
    protected boolean decodeFast(String event, byte[] bytes, int length) throws IOException {
      texts.clear();
      thoughts.clear();
      int usageFrom = -1;
      int usageTo = -1;
      boolean usageSeen = false;
      try (JsonParser p = FastJson.open(bytes, length)) {
        if (p == null) return false;
        boolean candidates = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken v = p.nextToken();
          switch (name) {
            case "error" -> {
              return false;
            }
            case "usageMetadata" -> {
              if (usageSeen) return false;
              usageSeen = true;
              if (v == JsonToken.VALUE_NULL) continue;
              if (v != JsonToken.START_OBJECT) return false;
              usageFrom = (int) p.currentTokenLocation().getByteOffset();
              p.skipChildren();
              usageTo = (int) p.currentTokenLocation().getByteOffset() + 1;
            }
            case "candidates" -> {
              if (candidates || v != JsonToken.START_ARRAY || p.nextToken() != JsonToken.START_OBJECT) return false;
              candidates = true;
              if (!firstCandidate(p)) return false;
              for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                if (e == null) return false;
                FastJson.skip(p);
              }
            }
            default -> FastJson.skip(p);
          }
        }
        if (!FastJson.end(p, t) || !candidates) return false;
      }
      if (usageFrom >= 0) {
        if (usageFrom >= usageTo || usageTo > length || bytes[usageFrom] != '{' || bytes[usageTo - 1] != '}') return false;
        usageLength = usageTo - usageFrom;
        if (usageBytes.length < usageLength) usageBytes = new byte[Math.max(usageLength, 2 * usageBytes.length)];
        System.arraycopy(bytes, usageFrom, usageBytes, 0, usageLength);
      }
      for (int i = 0; i < texts.size(); i++) {
        String text = texts.get(i);
        if (text != null && !text.isEmpty()) {
          if (thoughts.get(i)) sink.thinking(text);
          else sink.text(text);
        }
      }
      return true;
    }

    /** The first candidate, from its START_OBJECT to its END_OBJECT, into {@link #texts}; false: decline. */
    private boolean firstCandidate(JsonParser p) throws IOException {
      boolean content = false;
      boolean finish = false;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "finishReason" -> {
            if (finish || v != JsonToken.VALUE_NULL) return false;
            finish = true;
          }
          case "content" -> {
            if (content) return false;
            content = true;
            if (v == JsonToken.VALUE_NULL) continue;
            if (v != JsonToken.START_OBJECT || !content(p)) return false;
          }
          default -> FastJson.skip(p);
        }
      }
      return t == JsonToken.END_OBJECT;
    }

    private boolean content(JsonParser p) throws IOException {
      boolean parts = false;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (!name.equals("parts")) {
          FastJson.skip(p);
          continue;
        }
        if (parts || v != JsonToken.START_ARRAY) return false;
        parts = true;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          if (e != JsonToken.START_OBJECT || !part(p)) return false;
        }
      }
      return t == JsonToken.END_OBJECT;
    }

    private boolean part(JsonParser p) throws IOException {
      boolean textSeen = false;
      String text = null;
      Boolean thought = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "functionCall" -> {
            return false;
          }
          case "text" -> {
            if (textSeen || (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL)) return false;
            textSeen = true;
            text = v == JsonToken.VALUE_STRING ? p.getText() : null;
          }
          case "thought" -> {
            if (thought != null || (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE)) return false;
            thought = v == JsonToken.VALUE_TRUE;
          }
          default -> FastJson.skip(p);
        }
      }
      if (t != JsonToken.END_OBJECT) return false;
      texts.add(text);
      thoughts.add(thought != null && thought);
      return true;
    }

    @Override
    protected void decode(SseEvent ev) {
      JsonObject chunk = Wires.jsonOrNull(ev.data());
      if (chunk == null) return;
      JsonObject err = chunk.getJsonObject("error");
      if (err != null) {
        fail(UpstreamError.of(err.getInteger("code", 500), err.getString("status"), err.getString("message", "upstream error")));
        return;
      }
      if (chunk.getJsonObject("usageMetadata") != null) {
        usage = chunk.getJsonObject("usageMetadata");
        usageLength = -1;
      }
      JsonArray candidates = chunk.getJsonArray("candidates");
      if (candidates == null || candidates.isEmpty()) {
        JsonObject feedback = chunk.getJsonObject("promptFeedback");
        if (feedback != null && feedback.getString("blockReason") != null) finishReason = "BLOCKED:" + feedback.getString("blockReason");
        return;
      }
      JsonObject cand = candidates.getJsonObject(0);
      JsonObject content = cand.getJsonObject("content");
      if (content != null) {
        for (Object o : content.getJsonArray("parts", new JsonArray())) {
          JsonObject part = (JsonObject) o;
          JsonObject fc = part.getJsonObject("functionCall");
          if (fc != null) {
            sawCall = true;
            String id = fc.getString("id");
            if (id == null || id.isEmpty()) id = LOCAL_ID + UUID.randomUUID();
            sink.toolCall(id, fc.getString("name"), fc.getJsonObject("args", new JsonObject()), part.getString("thoughtSignature"));
          } else if (part.getString("text") != null && !part.getString("text").isEmpty()) {
            if (part.getBoolean("thought", false)) sink.thinking(part.getString("text"));
            else sink.text(part.getString("text"));
          }
        }
      }
      if (cand.getString("finishReason") != null) finishReason = cand.getString("finishReason");
    }

    @Override
    protected void endedEarly() {
      // Gemini has no terminator: a stream is complete when a finishReason was seen
      if (finishReason == null) {
        cut("gemini stream ended without finishReason");
        return;
      }
      JsonObject usage = usageLength >= 0 ? Wires.jsonOrNull(new String(usageBytes, 0, usageLength, StandardCharsets.UTF_8)) : this.usage;
      Usage counts = usage == null ? null : new Usage(usage.getLong("promptTokenCount", 0L),
          usage.getLong("candidatesTokenCount", 0L) + usage.getLong("thoughtsTokenCount", 0L),
          usage.getLong("cachedContentTokenCount", 0L), 0);
      complete(counts, normalize(finishReason, sawCall), finishReason);
    }
  }

  static String normalize(String reason, boolean sawCall) {
    if (reason.startsWith("BLOCKED:")) return "refusal";
    return switch (reason) {
      case "STOP", "FINISH_REASON_UNSPECIFIED" -> sawCall ? "tool_use" : "end_turn";
      case "MAX_TOKENS" -> "max_tokens";
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" -> "refusal";
      default -> "other";
    };
  }

  @Override
  public UpstreamError parseError(int status, MultiMap headers, Buffer body) {
    JsonObject json = Wires.jsonOrNull(body);
    JsonObject err = json == null ? null : json.getJsonObject("error");
    if (err == null && json == null && body != null && body.length() > 0) {
      // Google sometimes wraps the error object in an array
      try {
        Object v = io.vertx.core.json.Json.decodeValue(body);
        if (v instanceof JsonArray a && !a.isEmpty() && a.getValue(0) instanceof JsonObject first) err = first.getJsonObject("error");
      } catch (RuntimeException ignored) {
        // not JSON at all
      }
    }
    String type = err != null ? err.getString("status") : null;
    String message = err != null ? Wires.errorMessage(err.getString("message", "")) : "";
    Long retry = Wires.retryAfterMs(headers);
    if (retry == null && err != null) retry = retryInfo(err.getJsonArray("details"));
    return new UpstreamError(status, type, message, retry, Wires.shouldRetry(headers));
  }

  /** google.rpc.RetryInfo.retryDelay ("13s", "0.5s") → ms. */
  static Long retryInfo(JsonArray details) {
    if (details == null) return null;
    for (Object o : details) {
      if (o instanceof JsonObject d && String.valueOf(d.getString("@type")).endsWith("google.rpc.RetryInfo")) {
        String delay = d.getString("retryDelay");
        if (delay != null && delay.endsWith("s")) {
          try {
            return (long) (Double.parseDouble(delay.substring(0, delay.length() - 1)) * 1000);
          } catch (NumberFormatException ignored) {
            return null;
          }
        }
      }
    }
    return null;
  }

  @Override
  public UpstreamRequest modelsRequest(Credential cred, String baseUrl) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("accept", "application/json");
    auth(headers, cred);
    return new UpstreamRequest(HttpMethod.GET, Wires.trimSlash(baseUrl) + "/v1beta/models?pageSize=1000", headers, null);
  }

  @Override
  public List<JsonObject> parseModels(String provider, JsonObject body) {
    List<JsonObject> out = new ArrayList<>();
    for (Object o : body.getJsonArray("models", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      JsonArray methods = m.getJsonArray("supportedGenerationMethods");
      if (methods != null && !methods.contains("generateContent")) continue;
      String id = m.getString("name", "");
      if (id.startsWith("models/")) id = id.substring(7);
      JsonObject model = new JsonObject().put("id", id).put("provider", provider).put("displayName", m.getString("displayName", id));
      if (m.getValue("inputTokenLimit") instanceof Number n) model.put("contextWindow", n.longValue());
      out.add(model);
    }
    return out;
  }
}
