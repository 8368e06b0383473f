package dev.maestro.provider.wire;

import dev.maestro.contracts.provider.ChatRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Neutral requests → each provider's request body and headers (what must be sent back unchanged). */
class RequestMappingTest {
  static final Credential KEY = new Credential("c1", "x", "api_key", null, "secret-key", "api_key");
  static final Credential OAUTH = new Credential("c2", "x", "oauth", null, "oauth-token", "bearer");

  static ChatRequest conversation() {
    return new ChatRequest().setModel("m").setSystem("sys").setMaxTokens(100).setTemperature(0.2)
        .setExtras(new JsonObject().put("top_p", 0.9).put("openaiApi", "chat").put("betas", new JsonArray().add("interleaved-thinking-2025-05-14")))
        .setMessages(new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "look"))
                .add(new JsonObject().put("type", "image").put("mediaType", "image/png").put("data", "iVBOR"))))
            .add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
                .add(new JsonObject().put("type", "thinking").put("text", "hmm").put("signature", "SIG1"))
                .add(new JsonObject().put("type", "thinking").put("text", "").put("redactedData", "REDACTED"))
                .add(new JsonObject().put("type", "thinking").put("text", "unsigned thought from another provider"))
                .add(new JsonObject().put("type", "tool_call").put("callId", "call_1").put("name", "f")
                    .put("arguments", new JsonObject().put("a", 1)).put("signature", "GSIG"))))
            .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "tool_result").put("callId", "call_1")
                    .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "r1")))
                    .put("isError", true)))));
  }

  @Test
  void anthropicKeepsSignedThinkingAndSendsHeaders() {
    UpstreamRequest r = new AnthropicAdapter().streamRequest(conversation(), KEY, "http://h:1/");
    assertThat(r.url()).isEqualTo("http://h:1/v1/messages");
    assertThat(r.headers().get("x-api-key")).isEqualTo("secret-key");
    assertThat(r.headers().get("anthropic-beta")).isEqualTo("interleaved-thinking-2025-05-14");
    JsonObject body = r.body().toJsonObject();
    assertThat(body.getDouble("top_p")).isEqualTo(0.9);
    assertThat(body.containsKey("openaiApi")).isFalse();
    assertThat(body.containsKey("betas")).isFalse();
    JsonArray assistant = body.getJsonArray("messages").getJsonObject(1).getJsonArray("content");
    assertThat(assistant).hasSize(3); // the unsigned thought is dropped
    assertThat(assistant.getJsonObject(0)).isEqualTo(new JsonObject().put("type", "thinking").put("thinking", "hmm").put("signature", "SIG1"));
    assertThat(assistant.getJsonObject(1)).isEqualTo(new JsonObject().put("type", "redacted_thinking").put("data", "REDACTED"));
    JsonObject image = body.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(1);
    assertThat(image.getJsonObject("source").getString("media_type")).isEqualTo("image/png");
    JsonObject result = body.getJsonArray("messages").getJsonObject(2).getJsonArray("content").getJsonObject(0);
    assertThat(result).isEqualTo(new JsonObject().put("type", "tool_result").put("tool_use_id", "call_1").put("content", "r1").put("is_error", true));

    UpstreamRequest o = new AnthropicAdapter().streamRequest(conversation(), OAUTH, "http://h:1");
    assertThat(o.headers().get("authorization")).isEqualTo("Bearer oauth-token");
    assertThat(o.headers().get("x-api-key")).isNull();
    assertThat(o.headers().get("anthropic-beta")).isEqualTo("interleaved-thinking-2025-05-14,oauth-2025-04-20");
  }

  @Test
  void geminiEchoesTheThoughtSignatureOnTheFunctionCall() {
    UpstreamRequest r = new GeminiAdapter().streamRequest(conversation(), KEY, "http://h:1");
    assertThat(r.url()).isEqualTo("http://h:1/v1beta/models/m:streamGenerateContent?alt=sse");
    assertThat(r.headers().get("x-goog-api-key")).isEqualTo("secret-key");
    JsonObject body = r.body().toJsonObject();
    JsonObject call = body.getJsonArray("contents").getJsonObject(1).getJsonArray("parts").getJsonObject(0);
    assertThat(call.getString("thoughtSignature")).isEqualTo("GSIG");
    assertThat(call.getJsonObject("functionCall").getString("id")).isEqualTo("call_1");
    JsonObject fr = body.getJsonArray("contents").getJsonObject(2).getJsonArray("parts").getJsonObject(0).getJsonObject("functionResponse");
    assertThat(fr.getString("name")).isEqualTo("f");
    assertThat(fr.getJsonObject("response")).isEqualTo(new JsonObject().put("error", "r1"));
    assertThat(body.getJsonObject("generationConfig")).isEqualTo(new JsonObject().put("maxOutputTokens", 100).put("temperature", 0.2));
    assertThat(new GeminiAdapter().streamRequest(conversation(), OAUTH, "http://h:1").headers().get("authorization")).isEqualTo("Bearer oauth-token");
  }

  @Test
  void chatCompletionsAndResponsesShapes() {
    JsonObject chat = new OpenAiChatAdapter(false).streamRequest(conversation(), KEY, "http://h:1/v1").body().toJsonObject();
    JsonArray msgs = chat.getJsonArray("messages");
    assertThat(msgs.getJsonObject(0)).isEqualTo(new JsonObject().put("role", "system").put("content", "sys"));
    assertThat(msgs.getJsonObject(1).getJsonArray("content").getJsonObject(1).getJsonObject("image_url").getString("url"))
        .isEqualTo("data:image/png;base64,iVBOR");
    assertThat(msgs.getJsonObject(2).getValue("content")).isNull();
    assertThat(msgs.getJsonObject(3)).isEqualTo(new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "r1"));
    assertThat(chat.getInteger("max_completion_tokens")).isEqualTo(100);
    assertThat(new OpenAiChatAdapter(true).streamRequest(conversation(), KEY, "http://h:1/v1").body().toJsonObject()
        .getInteger("max_tokens")).isEqualTo(100);

    JsonObject resp = new OpenAiResponsesAdapter().streamRequest(conversation(), KEY, "http://h:1/v1").body().toJsonObject();
    JsonArray input = resp.getJsonArray("input");
    assertThat(input.getJsonObject(0).getJsonArray("content").getJsonObject(1).getString("type")).isEqualTo("input_image");
    assertThat(input.getJsonObject(1)).isEqualTo(new JsonObject().put("type", "function_call").put("call_id", "call_1")
        .put("name", "f").put("arguments", "{\"a\":1}"));
    assertThat(input.getJsonObject(2)).isEqualTo(new JsonObject().put("type", "function_call_output").put("call_id", "call_1").put("output", "r1"));
    assertThat(resp.getBoolean("store")).isFalse();
    assertThat(resp.getInteger("max_output_tokens")).isEqualTo(100);
  }
}
