package dev.maestro.provider.wire;

import dev.maestro.contracts.provider.Providers;
import dev.maestro.contracts.Parts;
import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.platform.sse.SseEvent;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

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
    private boolean sawCall;

    Decoder(EventSink sink) {
      super(sink);
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
      if (chunk.getJsonObject("usageMetadata") != null) usage = chunk.getJsonObject("usageMetadata");
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
