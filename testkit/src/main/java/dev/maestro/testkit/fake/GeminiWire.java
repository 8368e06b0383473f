package dev.maestro.testkit.fake;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Gemini {@code POST /v1beta/models/{model}:streamGenerateContent?alt=sse}: unnamed {@code data:}
 * events separated by CRLF CRLF (as Google's servers do), whole {@code functionCall} parts, no
 * terminator: the last chunk carries {@code finishReason} and the complete {@code usageMetadata}.
 */
final class GeminiWire implements Wire {

  @Override
  public String eol() {
    return "\r\n";
  }

  @Override
  public List<String> render(FakeTurn turn, JsonObject request, String model) {
    String responseId = "fake" + Wire.nextId();
    List<JsonArray> chunks = new ArrayList<>();
    String signature = null;
    for (FakeTurn.Block block : turn.blocks()) {
      if (block instanceof FakeTurn.Thinking th) {
        signature = th.signature();
        for (String c : th.chunks()) chunks.add(new JsonArray().add(new JsonObject().put("text", c).put("thought", true)));
      } else if (block instanceof FakeTurn.Text tx) {
        for (String c : tx.chunks()) chunks.add(new JsonArray().add(new JsonObject().put("text", c)));
      } else if (block instanceof FakeTurn.ToolCall tc) {
        JsonObject part = new JsonObject().put("functionCall", new JsonObject().put("name", tc.name()).put("args", tc.arguments()));
        if (signature != null) {
          part.put("thoughtSignature", signature);
          signature = null;
        }
        chunks.add(new JsonArray().add(part));
      }
    }
    if (chunks.isEmpty()) chunks.add(new JsonArray().add(new JsonObject().put("text", "")));
    List<String> out = new ArrayList<>();
    long in = turn.inputTokens();
    long outTokens = turn.outputTokens();
    for (int i = 0; i < chunks.size(); i++) {
      boolean last = i == chunks.size() - 1;
      JsonObject candidate = new JsonObject().put("content", new JsonObject().put("role", "model").put("parts", chunks.get(i)))
          .put("index", 0);
      JsonObject usage = new JsonObject().put("promptTokenCount", in).put("totalTokenCount", in);
      if (last) {
        candidate.put("finishReason", turn.stopReason() == FakeTurn.Stop.MAX_TOKENS ? "MAX_TOKENS" : "STOP");
        usage = new JsonObject().put("promptTokenCount", in).put("candidatesTokenCount", outTokens)
            .put("totalTokenCount", in + outTokens);
        if (turn.cacheReadTokens() > 0) usage.put("cachedContentTokenCount", turn.cacheReadTokens());
      }
      out.add(data(new JsonObject().put("candidates", new JsonArray().add(candidate)).put("usageMetadata", usage)
          .put("modelVersion", model).put("responseId", responseId)));
    }
    return out;
  }

  static String data(JsonObject json) {
    return "data: " + json.encode() + "\r\n\r\n";
  }

  @Override
  public String midStreamError(String kind) {
    return data(errorBody(switch (kind) {
      case "rate_limited" -> 429;
      case "server_error" -> 500;
      default -> 503;
    }, null, null));
  }

  static String status(int code) {
    return switch (code) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 409 -> "ABORTED";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 501 -> "UNIMPLEMENTED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    };
  }

  @Override
  public JsonObject errorBody(int status, String message, String typeOverride) {
    String msg = message != null ? message : switch (status) {
      case 401 -> "API key not valid. Please pass a valid API key.";
      case 429 -> "Resource has been exhausted (e.g. check quota).";
      case 503 -> "The model is overloaded. Please try again later.";
      default -> "fake upstream error " + status;
    };
    return new JsonObject().put("error", new JsonObject().put("code", status).put("message", msg)
        .put("status", typeOverride != null ? typeOverride : status(status)));
  }

  /** Google carries the retry delay in the body ({@code google.rpc.RetryInfo}), not in a header. */
  static JsonObject withRetryInfo(JsonObject body, String seconds) {
    body.getJsonObject("error").put("details", new JsonArray().add(new JsonObject()
        .put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", seconds + "s")));
    return body;
  }

  @Override
  public JsonObject models() {
    JsonArray models = new JsonArray();
    for (String[] m : new String[][] {{"gemini-2.5-flash", "Gemini 2.5 Flash"}, {"gemini-2.5-pro", "Gemini 2.5 Pro"}}) {
      models.add(new JsonObject().put("name", "models/" + m[0]).put("version", "001").put("displayName", m[1])
          .put("description", m[1]).put("inputTokenLimit", 1048576).put("outputTokenLimit", 65536)
          .put("supportedGenerationMethods", new JsonArray().add("generateContent").add("countTokens")));
    }
    models.add(new JsonObject().put("name", "models/text-embedding-004").put("displayName", "Text Embedding 004")
        .put("inputTokenLimit", 2048).put("supportedGenerationMethods", new JsonArray().add("embedContent")));
    return new JsonObject().put("models", models);
  }

  @Override
  public Conversation read(JsonObject body) {
    JsonArray contents = body.getJsonArray("contents", new JsonArray());
    int chars = String.valueOf(body.getValue("systemInstruction", "")).length() + contents.encode().length();
    if (contents.isEmpty()) return new Conversation("", List.of(), chars);
    JsonObject last = contents.getJsonObject(contents.size() - 1);
    List<Conversation.ToolResult> results = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (Object p : last.getJsonArray("parts", new JsonArray())) {
      JsonObject part = (JsonObject) p;
      JsonObject fr = part.getJsonObject("functionResponse");
      if (fr != null) {
        JsonObject resp = fr.getJsonObject("response", new JsonObject());
        Object v = resp.getValue("result", resp.getValue("output", resp.getValue("content", resp.getValue("error"))));
        results.add(new Conversation.ToolResult(fr.getString("name"), v == null ? resp.encode() : Wire.textOf(v)));
      } else if (part.getString("text") != null) {
        text.append(part.getString("text"));
      }
    }
    return new Conversation(text.toString(), results, chars);
  }

  @Override
  public String apiKey(HttpServerRequest req) {
    String key = req.getHeader("x-goog-api-key");
    if (key == null) key = req.getParam("key");
    return key != null ? key : Wire.bearer(req);
  }
}
