package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseParser;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each adapter's fast path ({@link ByteSseParser} + {@code decodeFast}, what {@code StreamCall} runs)
 * against its tree path (platform {@link SseParser} + {@code onEvent(SseEvent)}, what it ran before and
 * what {@link DecoderTest} checks): the same events, field for field, for the same bytes, at every
 * split point and for shapes the fast path must decline (errors, tool calls, nulls, wrong types,
 * duplicate keys, malformed JSON or UTF-8).
 */
class FastPathTest {

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) out.writeBytes(p instanceof byte[] b ? b : utf8((String) p));
    return out.toByteArray();
  }

  /** The tree path: what provider-service ran before (and what DecoderTest feeds). */
  static List<JsonObject> tree(WireAdapter adapter, byte[] body, int... cuts) {
    List<JsonObject> out = new ArrayList<>();
    StreamDecoder decoder = adapter.decoder(new Decoding.Recorder(out));
    SseParser parser = new SseParser(decoder::onEvent);
    run(out, () -> {
      feed(body, cuts, parser::feed);
      parser.end();
      decoder.onEnd();
    });
    return normalized(out);
  }

  /** The fast path: what StreamCall runs now. */
  static List<JsonObject> fast(WireAdapter adapter, byte[] body, int... cuts) {
    List<JsonObject> out = new ArrayList<>();
    StreamDecoder decoder = adapter.decoder(new Decoding.Recorder(out));
    ByteSseParser parser = new ByteSseParser(decoder::onEvent);
    run(out, () -> {
      feed(body, cuts, parser::feed);
      parser.end();
      decoder.onEnd();
    });
    return normalized(out);
  }

  private static void feed(byte[] body, int[] cuts, java.util.function.Consumer<byte[]> feed) {
    int from = 0;
    for (int cut : cuts) {
      feed.accept(Arrays.copyOfRange(body, from, cut));
      from = cut;
    }
    feed.accept(Arrays.copyOfRange(body, from, body.length));
  }

  /** A decoder that throws (a tree path reading a field of another type) must throw alike on both paths. */
  private static void run(List<JsonObject> out, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      out.add(new JsonObject().put("type", "exception").put("class", e.getClass().getName()));
    }
  }

  /** Gemini's calls without an id get a random local one: equal when both are local ids. */
  private static List<JsonObject> normalized(List<JsonObject> events) {
    for (JsonObject e : events) {
      if (e.getString("id") != null && e.getString("id").startsWith(GeminiAdapter.LOCAL_ID)) e.put("id", GeminiAdapter.LOCAL_ID);
    }
    return events;
  }

  /** Both paths at every single split point and in buffers of 1, 2, 3, 5, 7 and 64 bytes. */
  static void assertSame(WireAdapter adapter, byte[] body) {
    List<JsonObject> expected = tree(adapter, body);
    assertThat(fast(adapter, body)).as("whole: %s", new String(body, StandardCharsets.UTF_8)).isEqualTo(expected);
    for (int i = 1; i < body.length; i++) {
      assertThat(fast(adapter, body, i)).as("split at %d: %s", i, new String(body, StandardCharsets.UTF_8)).isEqualTo(expected);
    }
    for (int size : new int[] {1, 2, 3, 5, 7, 64}) {
      int[] cuts = new int[Math.max(0, (body.length - 1) / size)];
      for (int k = 0; k < cuts.length; k++) cuts[k] = (k + 1) * size;
      assertThat(fast(adapter, body, cuts)).as("buffers of %d", size).isEqualTo(expected);
      assertThat(tree(adapter, body, cuts)).isEqualTo(expected);
    }
  }

  /** Both paths whole and in buffers of 1 and 7 bytes. */
  static void assertSameQuick(WireAdapter adapter, byte[] body) {
    List<JsonObject> expected = tree(adapter, body);
    assertThat(fast(adapter, body)).isEqualTo(expected);
    for (int size : new int[] {1, 7}) {
      int[] cuts = new int[Math.max(0, (body.length - 1) / size)];
      for (int k = 0; k < cuts.length; k++) cuts[k] = (k + 1) * size;
      assertThat(fast(adapter, body, cuts)).as("buffers of %d", size).isEqualTo(expected);
    }
  }

  // ---- the documented streams (DecoderTest's) ----

  @Test
  void decoderTestStreamsDecodeAlikeAtEverySplitPoint() {
    assertSame(new AnthropicAdapter(), utf8(Decoding.withKeepAlives(DecoderTest.ANTHROPIC, "\n")));
    assertSame(new OpenAiChatAdapter(false), utf8(Decoding.withKeepAlives(DecoderTest.CHAT, "\n")));
    assertSame(new OpenAiResponsesAdapter(), utf8(Decoding.withKeepAlives(DecoderTest.RESPONSES, "\n")));
    assertSame(new GeminiAdapter(), utf8(Decoding.withKeepAlives(DecoderTest.GEMINI, "\r\n")));
  }

  @Test
  void cutStreamsEndAlike() {
    byte[] a = utf8(DecoderTest.ANTHROPIC);
    byte[] c = utf8(DecoderTest.CHAT);
    byte[] r = utf8(DecoderTest.RESPONSES);
    byte[] g = utf8(DecoderTest.GEMINI);
    for (int end = 0; end <= a.length; end += 13) assertSameQuick(new AnthropicAdapter(), Arrays.copyOf(a, end));
    for (int end = 0; end <= c.length; end += 17) assertSameQuick(new OpenAiChatAdapter(true), Arrays.copyOf(c, end));
    for (int end = 0; end <= r.length; end += 19) assertSameQuick(new OpenAiResponsesAdapter(), Arrays.copyOf(r, end));
    for (int end = 0; end <= g.length; end += 11) assertSameQuick(new GeminiAdapter(), Arrays.copyOf(g, end));
  }

  // ---- the hot deltas are taken by the fast path; everything else is not ----

  @Test
  void hotDeltasAreDecodedFromTheBytesAndOtherEventsAreDeclined() throws Exception {
    List<JsonObject> out = new ArrayList<>();
    Decoding.Recorder sink = new Decoding.Recorder(out);
    byte[] a = utf8("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Vérifions ☀️…\"}}");
    assertThat(new AnthropicAdapter.Decoder(sink).decodeFast("content_block_delta", a, a.length)).isTrue();
    byte[] at = utf8("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}");
    assertThat(new AnthropicAdapter.Decoder(sink).decodeFast("content_block_delta", at, at.length)).isTrue();
    byte[] aj = utf8("{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}");
    assertThat(new AnthropicAdapter.Decoder(sink).decodeFast("content_block_delta", aj, aj.length)).isFalse();
    byte[] c = utf8("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Ça va \",\"tool_calls\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}");
    assertThat(new OpenAiChatAdapter.Decoder(sink).decodeFast(null, c, c.length)).isTrue();
    byte[] ct = utf8("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}");
    assertThat(new OpenAiChatAdapter.Decoder(sink).decodeFast(null, ct, ct.length)).isFalse();
    byte[] r = utf8("{\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"item_id\":\"msg_1\",\"delta\":\"Checking → 🌦\",\"logprobs\":[]}");
    assertThat(new OpenAiResponsesAdapter.Decoder(sink).decodeFast("response.output_text.delta", r, r.length)).isTrue();
    byte[] rc = utf8("{\"type\":\"response.completed\",\"response\":{}}");
    assertThat(new OpenAiResponsesAdapter.Decoder(sink).decodeFast("response.completed", rc, rc.length)).isFalse();
    byte[] g = utf8("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"a\",\"thought\":true},{\"text\":\"b\"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":31}}");
    assertThat(new GeminiAdapter.Decoder(sink).decodeFast(null, g, g.length)).isTrue();
    byte[] gf = utf8("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"finishReason\":\"STOP\"}]}");
    assertThat(new GeminiAdapter.Decoder(sink).decodeFast(null, gf, gf.length)).isFalse();
    assertThat(out).containsExactly(
        new JsonObject().put("type", "text").put("text", "Vérifions ☀️…"),
        new JsonObject().put("type", "thinking").put("text", "hmm"),
        new JsonObject().put("type", "text").put("text", "Ça va "),
        new JsonObject().put("type", "text").put("text", "Checking → 🌦"),
        new JsonObject().put("type", "thinking").put("text", "a"),
        new JsonObject().put("type", "text").put("text", "b"));
  }

  // ---- shapes the fast path must decline or read exactly as the tree does ----

  /** Malformed: trailing data, two documents, cut, comments (Vert.x allows them), BOM, non-objects. */
  static List<byte[]> malformed(String hot) {
    return List.of(utf8(hot + " x"), utf8(hot + hot), utf8(hot.substring(0, hot.length() - 2)), utf8(hot.replace("{", "{/* c */ ")),
        utf8("\uFEFF" + hot), utf8(" " + hot), utf8("[" + hot + "]"), utf8("\"text\""), utf8("{}"), utf8(""), utf8("{\"a\":}"),
        utf8(hot.replace(":", " : ").replace(",", " ,\n ")), utf8(hot.replace("\"}", "\\u00e9\\ud83d\\ude00\\ud800\"}")),
        utf8(hot.replace("\"}", "\t\"}")));
  }

  /** Invalid or unusual UTF-8 inside the delta's text: overlong, surrogate, stray continuation, past U+10FFFF, cut, NUL. */
  static List<byte[]> badUtf8(String hot, String marker) {
    int at = hot.indexOf(marker) + marker.length();
    List<byte[]> out = new ArrayList<>();
    for (byte[] bad : new byte[][] {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0x80},
        {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {0}, {(byte) 0xF0, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF},
        {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF}}) {
      out.add(concat(hot.substring(0, at), bad, hot.substring(at)));
    }
    return out;
  }

  static void assertEdges(Supplier<WireAdapter> adapter, String before, String eventPrefix, String separator, String after, List<byte[]> datas) {
    for (byte[] data : datas) {
      byte[] body = concat(before, eventPrefix, data, separator + separator, after);
      List<JsonObject> expected = tree(adapter.get(), body);
      assertThat(fast(adapter.get(), body)).as(new String(data, StandardCharsets.UTF_8)).isEqualTo(expected);
      Random random = new Random(data.length);
      for (int k = 0; k < 20; k++) {
        int[] cuts = random.ints(1 + random.nextInt(4), 0, body.length + 1).sorted().toArray();
        assertThat(fast(adapter.get(), body, cuts)).as(new String(data, StandardCharsets.UTF_8)).isEqualTo(expected);
      }
    }
  }

  @Test
  void anthropicEdgeShapesDecodeAlike() {
    String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    String end = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    String hot = "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a é\"}}";
    List<byte[]> datas = new ArrayList<>(malformed(hot));
    datas.addAll(badUtf8(hot, "\"text\":\"a"));
    for (String s : List.of(
        hot,
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":null}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":5}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\",\"text\":\"b\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"text\":\"a\",\"type\":\"text_delta\",\"extra\":[1,{\"x\":null}]}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"t\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"text\":\"t\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"citations_delta\",\"citation\":{}}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":5,\"text\":\"a\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":null}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":\"x\"}",
        "{\"type\":\"content_block_delta\",\"index\":0}",
        "{\"type\":\"content_block_delta\",\"index\":\"x\",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1.5,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}",
        "{\"type\":\"content_block_delta\",\"index\":null,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}",
        "{\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"no type: the event name\"}}",
        "{\"type\":\"content_block_delta\",\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"o\"}}",
        "{\"type\":null,\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}",
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"},\"delta\":{\"type\":\"text_delta\",\"text\":\"b\"}}")) {
      datas.add(utf8(s));
    }
    assertEdges(AnthropicAdapter::new, start, "event: content_block_delta\ndata: ", "\n", end, datas);
  }

  @Test
  void chatEdgeShapesDecodeAlike() {
    String first = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
    String end = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n";
    String hot = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a é\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";
    List<byte[]> datas = new ArrayList<>(malformed(hot));
    datas.addAll(badUtf8(hot, "\"content\":\"a"));
    for (String s : List.of(
        hot,
        "{\"choices\":[{\"delta\":{\"content\":null}}]}",
        "{\"choices\":[{\"delta\":{\"content\":5}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\",\"content\":\"b\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\",\"tool_calls\":null,\"refusal\":null,\"reasoning_content\":null,\"reasoning\":null,\"role\":\"assistant\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\",\"tool_calls\":[]}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\",\"refusal\":\"no\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\",\"reasoning_content\":null,\"reasoning\":\"r\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\",\"reasoning_content\":\"r\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":5}]}",
        "{\"choices\":[{\"delta\":null,\"finish_reason\":null}]}",
        "{\"choices\":[{\"delta\":\"a\"}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}},{\"delta\":{\"content\":\"b\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"choices\":[{\"delta\":{\"content\":\"b\"}}]}",
        "{\"choices\":[1]}",
        "{\"choices\":[]}",
        "{\"choices\":null}",
        "{\"choices\":{\"delta\":{\"content\":\"a\"}}}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":5}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"error\":null}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"error\":{\"message\":\"m\",\"type\":\"server_error\"}}",
        "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}",
        "[DONE]", "[DONE] ", "{\"choices\":[{\"delta\":{\"content\":\"[DONE]\"}}]}")) {
      datas.add(utf8(s));
    }
    assertEdges(() -> new OpenAiChatAdapter(true), first, "data: ", "\n", end, datas);
    // an event named error is an error whatever its data
    assertEdges(() -> new OpenAiChatAdapter(false), first, "event: error\ndata: ", "\n", end, List.of(utf8(hot)));
  }

  @Test
  void responsesEdgeShapesDecodeAlike() {
    String start = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"r\",\"status\":\"in_progress\",\"output\":[]}}\n\n";
    String end = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}}\n\n";
    String hot = "{\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"a é\",\"logprobs\":[]}";
    List<byte[]> datas = new ArrayList<>(malformed(hot));
    datas.addAll(badUtf8(hot, "\"delta\":\"a"));
    for (String s : List.of(
        hot,
        "{\"type\":\"response.refusal.delta\",\"delta\":\"no\"}",
        "{\"type\":\"response.reasoning_summary_text.delta\",\"delta\":\"r\"}",
        "{\"type\":\"response.reasoning_text.delta\",\"delta\":\"r\"}",
        "{\"type\":\"response.output_text.delta\",\"delta\":null}",
        "{\"type\":\"response.output_text.delta\",\"delta\":5}",
        "{\"type\":\"response.output_text.delta\"}",
        "{\"type\":\"response.output_text.delta\",\"delta\":\"a\",\"delta\":\"b\"}",
        "{\"type\":\"response.output_text.delta\",\"type\":\"response.refusal.delta\",\"delta\":\"a\"}",
        "{\"delta\":\"no type: the event name\"}",
        "{\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_1\",\"delta\":\"{}\"}",
        "{\"type\":\"response.output_text.done\",\"delta\":\"a\",\"text\":\"a\"}",
        "{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"boom\",\"delta\":\"a\"}")) {
      datas.add(utf8(s));
    }
    assertEdges(OpenAiResponsesAdapter::new, start, "event: response.output_text.delta\ndata: ", "\n", end, datas);
  }

  @Test
  void geminiEdgeShapesDecodeAlike() {
    String first = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"hi\"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5}}\r\n\r\n";
    String end = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},\"finishReason\":\"STOP\",\"index\":0}]}\r\n\r\n";
    String hot = "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"a é\"}]},\"index\":0}],"
        + "\"usageMetadata\":{\"promptTokenCount\":31,\"candidatesTokenCount\":4,\"thoughtsTokenCount\":2,\"totalTokenCount\":37,"
        + "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":31}],\"note\":\"}{\\\"}\"},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc\"}";
    List<byte[]> datas = new ArrayList<>(malformed(hot));
    datas.addAll(badUtf8(hot, "\"text\":\"a"));
    for (String s : List.of(
        hot,
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"t\",\"thought\":true},{\"text\":\"a\"},{\"text\":\"\"},{\"text\":null},{\"thoughtSignature\":\"s\",\"text\":\"b\",\"thought\":false}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"t\",\"thought\":\"yes\"}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"t\",\"thought\":null}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":5}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\",\"text\":\"b\"}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\",\"functionCall\":null}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{}}}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[\"a\"]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":null}}]}",
        "{\"candidates\":[{\"content\":{\"role\":\"model\"}}]}",
        "{\"candidates\":[{\"content\":null}]}",
        "{\"candidates\":[{\"content\":\"a\"}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"finishReason\":null}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"finishReason\":\"MAX_TOKENS\"}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}},{\"content\":{\"parts\":[{\"text\":\"b\"}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":null}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":5}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":{\"promptTokenCount\":1},\"usageMetadata\":{\"promptTokenCount\":2}}",
        "{\"candidates\":[],\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}",
        "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"error\":null}",
        "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}")) {
      datas.add(utf8(s));
    }
    assertEdges(GeminiAdapter::new, first, "data: ", "\r\n", end, datas);
    // the fast path's usage (kept as bytes) is the one reported when no later chunk carries any
    assertEdges(GeminiAdapter::new, "", "data: ", "\r\n", end, List.of(utf8(hot)));
  }

  /** Malformed JSON is skipped as before, and a stream that then ends without its terminal event is a cut. */
  @Test
  void malformedJsonEndsWithTheSameClearErrorAsBefore() {
    String anthropic = DecoderTest.ANTHROPIC.substring(0, DecoderTest.ANTHROPIC.indexOf("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}"))
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"cut he\n\n";
    String chat = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\n\n";
    String responses = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\n"
        + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"b\"} trailing\n\n";
    String gemini = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}]}\r\n\r\ndata: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]},\"finishReason\":\"STOP\"}]\r\n\r\n";
    Object[][] cases = {
        {new AnthropicAdapter(), anthropic, "anthropic stream ended before message_stop"},
        {new OpenAiChatAdapter(false), chat, "chat completions stream ended before finish_reason"},
        {new OpenAiResponsesAdapter(), responses, "responses stream ended before response.completed"},
        {new GeminiAdapter(), gemini, "gemini stream ended without finishReason"}};
    for (Object[] c : cases) {
      WireAdapter adapter = (WireAdapter) c[0];
      byte[] body = utf8((String) c[1]);
      List<JsonObject> ev = fast(adapter, body);
      assertThat(ev).as(adapter.name()).isEqualTo(tree(adapter, body));
      assertThat(ev.get(ev.size() - 2).getString("type")).isEqualTo("text");
      assertThat(ev.get(ev.size() - 1)).isEqualTo(new JsonObject().put("type", "fail").put("status", 0)
          .put("errType", UpstreamError.STREAM_CUT).put("message", c[2]));
    }
  }

  // ---- property: long hot streams with rare other events, cut at random ----

  @Test
  void randomHotStreamsCutAtRandomDecodeAlike() {
    Random random = new Random(14);
    String[] words = {"the ", "é", "☀️", "😀", "\\n", "\\\"q\\\"", "\\u00e9", "a", "—", " "};
    for (int round = 0; round < 40; round++) {
      StringBuilder a = new StringBuilder(DecoderTest.ANTHROPIC.substring(0, DecoderTest.ANTHROPIC.indexOf("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}")));
      StringBuilder c = new StringBuilder();
      StringBuilder r = new StringBuilder();
      StringBuilder g = new StringBuilder();
      for (int i = 0; i < 30; i++) {
        StringBuilder text = new StringBuilder();
        while (text.length() < 30) text.append(words[random.nextInt(words.length)]);
        a.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"").append(text).append("\"}}\n\n");
        if (i % 7 == 3) a.append(": keep-alive\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n");
        c.append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"").append(text).append("\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        r.append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":").append(i).append(",\"delta\":\"").append(text).append("\"}\n\n");
        g.append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"").append(text).append("\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":").append(i).append("}}\r\n\r\n");
      }
      a.append(DecoderTest.ANTHROPIC.substring(DecoderTest.ANTHROPIC.indexOf("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}")));
      c.append(DecoderTest.CHAT);
      r.append(DecoderTest.RESPONSES);
      g.append(DecoderTest.GEMINI);
      Object[][] cases = {{new AnthropicAdapter(), a}, {new OpenAiChatAdapter(false), c}, {new OpenAiResponsesAdapter(), r}, {new GeminiAdapter(), g}};
      for (Object[] k : cases) {
        WireAdapter adapter = (WireAdapter) k[0];
        byte[] body = utf8(k[1].toString());
        List<JsonObject> expected = tree(adapter, body);
        assertThat(expected).hasSizeGreaterThan(30);
        int[] cuts = random.ints(random.nextInt(200), 0, body.length + 1).sorted().toArray();
        assertThat(fast(adapter, body, cuts)).as("%s cut at %s", adapter.name(), Arrays.toString(cuts)).isEqualTo(expected);
      }
    }
  }
}
