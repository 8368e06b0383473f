package dev.maestro.provider.wire;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each adapter's decoder on streams written from the documented formats (WIRE-FACTS §1–3), fed in
 * network chunks of 1, 2, 3, 7, 64 and 100000 bytes (so UTF-8 sequences and CRLF pairs split), with
 * SSE keep-alive comments between events.
 */
class DecoderTest {

  static final String ANTHROPIC = """
      event: message_start
      data: {"type":"message_start","message":{"id":"msg_01XYZ","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":412,"output_tokens":1,"cache_creation_input_tokens":7,"cache_read_input_tokens":300}}}

      event: content_block_start
      data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"User wants weather; call tool."}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCkYIBxgCKkA..."}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":0}

      event: ping
      data: {"type": "ping"}

      event: content_block_start
      data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Vérifions ☀️…"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":1}

      event: content_block_start
      data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{}}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Par"}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"is\\"}"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":2}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":57}}

      event: message_stop
      data: {"type":"message_stop"}

      """;

  static final String CHAT = """
      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Ça va ","tool_calls":null},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_def","type":"function","function":{"name":"get_time","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Zürich\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

      data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1735000000,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":80,"completion_tokens":17,"total_tokens":97,"prompt_tokens_details":{"cached_tokens":64}}}

      data: [DONE]

      """;

  static final String RESPONSES = """
      event: response.created
      data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","created_at":1735000000,"status":"in_progress","model":"gpt-5","output":[],"usage":null}}

      event: response.in_progress
      data: {"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}}

      event: response.output_item.added
      data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","status":"in_progress","content":[]}}

      event: response.content_part.added
      data: {"type":"response.content_part.added","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}

      event: response.output_text.delta
      data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Checking → 🌦","logprobs":[]}

      event: response.output_text.done
      data: {"type":"response.output_text.done","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Checking → 🌦","logprobs":[]}

      event: response.output_item.done
      data: {"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Checking","annotations":[]}]}}

      event: response.output_item.added
      data: {"type":"response.output_item.added","sequence_number":8,"output_index":1,"item":{"id":"fc_1","type":"function_call","status":"in_progress","call_id":"call_abc","name":"get_weather","arguments":""}}

      event: response.function_call_arguments.delta
      data: {"type":"response.function_call_arguments.delta","sequence_number":9,"item_id":"fc_1","output_index":1,"delta":"{\\"city\\":"}

      event: response.function_call_arguments.delta
      data: {"type":"response.function_call_arguments.delta","sequence_number":10,"item_id":"fc_1","output_index":1,"delta":"\\"Paris\\"}"}

      event: response.function_call_arguments.done
      data: {"type":"response.function_call_arguments.done","sequence_number":11,"item_id":"fc_1","output_index":1,"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}

      event: response.output_item.done
      data: {"type":"response.output_item.done","sequence_number":12,"output_index":1,"item":{"id":"fc_1","type":"function_call","status":"completed","call_id":"call_abc","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}

      event: response.completed
      data: {"type":"response.completed","sequence_number":13,"response":{"id":"resp_1","object":"response","status":"completed","output":[{"id":"fc_1","type":"function_call","status":"completed","call_id":"call_abc","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}],"usage":{"input_tokens":80,"input_tokens_details":{"cached_tokens":5},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":100}}}

      """;

  static final String GEMINI = ("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"**Thinking** about it\",\"thought\":true}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":31,\"totalTokenCount\":31},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc123\"}\r\n\r\n"
      + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Let me check – ça ✓\"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":31,\"totalTokenCount\":31},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc123\"}\r\n\r\n"
      + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"CiQB...\"},{\"functionCall\":{\"name\":\"get_time\",\"args\":{}}}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":31,\"candidatesTokenCount\":12,\"thoughtsTokenCount\":40,\"cachedContentTokenCount\":8,\"totalTokenCount\":83},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc123\"}\r\n\r\n");

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 2, 3, 7, 64, 100000})
  void anthropicThinkingTextAndToolUse(int chunk) {
    List<JsonObject> ev = Decoding.decode(new AnthropicAdapter(), Decoding.withKeepAlives(ANTHROPIC, "\n"), chunk);
    assertThat(ev).containsExactly(
        new JsonObject().put("type", "thinking").put("text", "User wants weather; call tool."),
        new JsonObject().put("type", "signature").put("signature", "EqQBCkYIBxgCKkA..."),
        new JsonObject().put("type", "text").put("text", "Vérifions ☀️…"),
        new JsonObject().put("type", "tool_call").put("id", "toolu_01A").put("name", "get_weather")
            .put("arguments", new JsonObject().put("city", "Paris")).put("signature", null),
        new JsonObject().put("type", "usage").put("in", 412L).put("out", 57L).put("cacheRead", 300L).put("cacheWrite", 7L),
        new JsonObject().put("type", "done").put("stopReason", "tool_use").put("raw", "tool_use"));
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 3, 100000})
  void anthropicErrorEventAfterHttp200AndCut(int chunk) {
    String errored = ANTHROPIC.substring(0, ANTHROPIC.indexOf("event: content_block_start"))
        + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    assertThat(Decoding.decode(new AnthropicAdapter(), errored, chunk)).containsExactly(
        new JsonObject().put("type", "fail").put("status", 529).put("errType", "overloaded_error").put("message", "Overloaded"));
    String cut = ANTHROPIC.substring(0, ANTHROPIC.indexOf("event: message_delta"));
    List<JsonObject> ev = Decoding.decode(new AnthropicAdapter(), cut, chunk);
    assertThat(ev.get(ev.size() - 1).getString("type")).isEqualTo("fail");
    assertThat(ev.get(ev.size() - 1).getString("errType")).isEqualTo(UpstreamError.STREAM_CUT);
    assertThat(ev).filteredOn(e -> e.getString("type").equals("done")).isEmpty();
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 2, 3, 7, 64, 100000})
  void chatCompletionsParallelToolCallFragmentsAssembledByIndex(int chunk) {
    List<JsonObject> ev = Decoding.decode(new OpenAiChatAdapter(false), Decoding.withKeepAlives(CHAT, "\n"), chunk);
    assertThat(ev).containsExactly(
        new JsonObject().put("type", "text").put("text", "Ça va "),
        new JsonObject().put("type", "tool_call").put("id", "call_abc").put("name", "get_weather")
            .put("arguments", new JsonObject().put("city", "Zürich")).put("signature", null),
        new JsonObject().put("type", "tool_call").put("id", "call_def").put("name", "get_time")
            .put("arguments", new JsonObject()).put("signature", null),
        new JsonObject().put("type", "usage").put("in", 80L).put("out", 17L).put("cacheRead", 64L).put("cacheWrite", 0L),
        new JsonObject().put("type", "done").put("stopReason", "tool_use").put("raw", "tool_calls"));
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 100000})
  void chatCompletionsErrorChunkAndReasoningContent(int chunk) {
    String s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}\n\n"
        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n"
        + "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
    assertThat(Decoding.decode(new OpenAiChatAdapter(true), s, chunk)).containsExactly(
        new JsonObject().put("type", "thinking").put("text", "hmm"),
        new JsonObject().put("type", "text").put("text", "x"),
        new JsonObject().put("type", "fail").put("status", 500).put("errType", "server_error").put("message", "The server had an error"));
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 2, 3, 7, 64, 100000})
  void responsesTextAndFunctionCall(int chunk) {
    List<JsonObject> ev = Decoding.decode(new OpenAiResponsesAdapter(), Decoding.withKeepAlives(RESPONSES, "\n"), chunk);
    assertThat(ev).containsExactly(
        new JsonObject().put("type", "text").put("text", "Checking → 🌦"),
        new JsonObject().put("type", "tool_call").put("id", "call_abc").put("name", "get_weather")
            .put("arguments", new JsonObject().put("city", "Paris")).put("signature", null),
        new JsonObject().put("type", "usage").put("in", 80L).put("out", 20L).put("cacheRead", 5L).put("cacheWrite", 0L),
        new JsonObject().put("type", "done").put("stopReason", "tool_use").put("raw", "completed"));
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 100000})
  void responsesFailed(int chunk) {
    String s = RESPONSES.substring(0, RESPONSES.indexOf("event: response.output_item.added"))
        + "event: response.failed\ndata: {\"type\":\"response.failed\",\"sequence_number\":3,\"response\":{\"id\":\"resp_1\",\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}}\n\n";
    assertThat(Decoding.decode(new OpenAiResponsesAdapter(), s, chunk)).containsExactly(
        new JsonObject().put("type", "fail").put("status", 500).put("errType", "server_error").put("message", "boom"));
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 2, 3, 7, 64, 100000})
  void geminiThoughtsTextAndWholeFunctionCallsOverCrlf(int chunk) {
    List<JsonObject> ev = Decoding.decode(new GeminiAdapter(), Decoding.withKeepAlives(GEMINI, "\r\n"), chunk);
    assertThat(ev).hasSize(6);
    assertThat(ev.get(0)).isEqualTo(new JsonObject().put("type", "thinking").put("text", "**Thinking** about it"));
    assertThat(ev.get(1)).isEqualTo(new JsonObject().put("type", "text").put("text", "Let me check – ça ✓"));
    assertThat(ev.get(2).getString("name")).isEqualTo("get_weather");
    assertThat(ev.get(2).getJsonObject("arguments")).isEqualTo(new JsonObject().put("city", "Paris"));
    assertThat(ev.get(2).getString("signature")).isEqualTo("CiQB...");
    assertThat(ev.get(2).getString("id")).startsWith(GeminiAdapter.LOCAL_ID);
    assertThat(ev.get(3).getString("name")).isEqualTo("get_time");
    assertThat(ev.get(3).getString("id")).isNotEqualTo(ev.get(2).getString("id"));
    assertThat(ev.get(4)).isEqualTo(new JsonObject().put("type", "usage").put("in", 31L).put("out", 52L).put("cacheRead", 8L).put("cacheWrite", 0L));
    assertThat(ev.get(5)).isEqualTo(new JsonObject().put("type", "done").put("stopReason", "tool_use").put("raw", "STOP"));
  }

  @ParameterizedTest(name = "chunks of {0} bytes")
  @ValueSource(ints = {1, 100000})
  void geminiErrorChunkAndStreamWithoutFinishReason(int chunk) {
    String err = GEMINI.substring(0, GEMINI.indexOf("data:", 10))
        + "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n";
    List<JsonObject> ev = Decoding.decode(new GeminiAdapter(), err, chunk);
    assertThat(ev.get(ev.size() - 1)).isEqualTo(new JsonObject().put("type", "fail").put("status", 503)
        .put("errType", "UNAVAILABLE").put("message", "The model is overloaded."));
    String cut = GEMINI.substring(0, GEMINI.lastIndexOf("data:"));
    List<JsonObject> cutEv = Decoding.decode(new GeminiAdapter(), cut, chunk);
    assertThat(cutEv.get(cutEv.size() - 1).getString("errType")).isEqualTo(UpstreamError.STREAM_CUT);
  }
}
