package dev.maestro.bench.provider;

import dev.maestro.platform.sse.SseParser;
import dev.maestro.platform.sse.SseEvent;
import dev.maestro.provider.wire.AnthropicAdapter;
import dev.maestro.provider.wire.ByteSseParser;
import dev.maestro.provider.wire.EventSink;
import dev.maestro.provider.wire.GeminiAdapter;
import dev.maestro.provider.wire.OpenAiChatAdapter;
import dev.maestro.provider.wire.OpenAiResponsesAdapter;
import dev.maestro.provider.wire.StreamDecoder;
import dev.maestro.provider.wire.UpstreamError;
import dev.maestro.provider.wire.WireAdapter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The decode path alone (issue 14 step 3, "a lean chunk path"): recorded-shaped SSE bodies of each
 * provider's wire, made of ~40-byte text deltas (with non-ASCII text and JSON escapes), cut into Vert.x
 * buffers at arbitrary boundaries (seeded random sizes, so events, lines and UTF-8 sequences split),
 * fed through the SSE parser and the adapter's decoder exactly as {@code StreamCall} feeds them.
 * Reports thread CPU ns and bytes allocated ({@code com.sun.management.ThreadMXBean}) per text-delta
 * event ("chunk"), best of several rounds, per path:
 * <ul>
 *   <li>{@code tree}: the platform {@code SseParser} (a String per line) and {@code StreamDecoder.onEvent}
 *       (a {@code JsonObject} tree per event), what provider-service did before;</li>
 *   <li>{@code bytes}: provider-service's {@code ByteSseParser} (no String per line) but every event
 *       still decoded as a String and a tree: the SSE parser's share;</li>
 *   <li>{@code fast}: what {@code StreamCall} runs now: {@code ByteSseParser} and the decoders'
 *       streaming-JSON fast path for text deltas (tree for the rest).</li>
 * </ul>
 * Prints a table and writes {@code bench/target/sse-decode-bench.json}. Run
 * {@code ./deploy/maestro bench sse-decode [events=100000] [rounds=7] [paths=tree,bytes,fast]}.
 */
public final class SseDecodeBench {
  private SseDecodeBench() {}

  /** One way of turning network buffers into decoder calls. */
  interface DecodePath {
    Feeder start(StreamDecoder decoder);
  }

  interface Feeder {
    void feed(Buffer chunk);

    void end();
  }

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    String[] paths = (args.length > 2 ? args[2] : String.join(",", Paths.NAMES)).split(",");

    Object[][] wires = {
        {"anthropic", new AnthropicAdapter(), anthropic(events)},
        {"openai-chat", new OpenAiChatAdapter(false), chat(events)},
        {"openai-responses", new OpenAiResponsesAdapter(), responses(events)},
        {"gemini", new GeminiAdapter(), gemini(events)}};
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    mx.setThreadAllocatedMemoryEnabled(true);

    JsonArray rows = new JsonArray();
    System.out.printf("SSE decode per text-delta event: %,d events per stream, best of %d rounds, buffers cut at random 1..512 bytes%n",
        events, rounds);
    System.out.printf("%-17s %-5s %10s %12s %10s %10s %12s%n", "wire", "path", "bytes/ev", "cpu ns/ev", "alloc B/ev", "MB/s", "buffers");
    for (Object[] w : wires) {
      WireAdapter adapter = (WireAdapter) w[1];
      byte[] body = ((String) w[2]).getBytes(StandardCharsets.UTF_8);
      List<Buffer> chunks = cut(body, new Random(14));
      JsonObject row = new JsonObject().put("wire", w[0]).put("bodyBytes", body.length).put("events", events)
          .put("buffers", chunks.size());
      long expected = -1;
      // interleaved rounds: on a shared machine a slow spell hits every path alike
      long[] bestCpu = new long[paths.length];
      long[] bestAlloc = new long[paths.length];
      java.util.Arrays.fill(bestCpu, Long.MAX_VALUE);
      java.util.Arrays.fill(bestAlloc, Long.MAX_VALUE);
      for (int r = -3; r < rounds; r++) { // 3 warm-up rounds
        for (int p = 0; p < paths.length; p++) {
          DecodePath path = Paths.of(paths[p]);
          Counting sink = new Counting();
          long cpu0 = mx.getCurrentThreadCpuTime();
          long alloc0 = mx.getCurrentThreadAllocatedBytes();
          run(path, adapter, chunks, sink);
          long alloc = mx.getCurrentThreadAllocatedBytes() - alloc0;
          long cpu = mx.getCurrentThreadCpuTime() - cpu0;
          if (sink.texts < events) throw new IllegalStateException(w[0] + "/" + paths[p] + ": " + sink.texts + " texts");
          if (expected < 0) expected = sink.hash;
          else if (expected != sink.hash) throw new IllegalStateException(w[0] + "/" + paths[p] + " decoded other text");
          if (r >= 0) {
            bestCpu[p] = Math.min(bestCpu[p], cpu);
            bestAlloc[p] = Math.min(bestAlloc[p], alloc);
          }
        }
      }
      for (int p = 0; p < paths.length; p++) {
        double ns = (double) bestCpu[p] / events;
        double b = (double) bestAlloc[p] / events;
        double mbps = body.length / (bestCpu[p] / 1e9) / 1e6;
        System.out.printf("%-17s %-5s %10d %12.0f %10.0f %10.1f %12d%n", w[0], paths[p], body.length / events, ns, b, mbps, chunks.size());
        row.put(paths[p], new JsonObject().put("cpuNsPerEvent", Math.round(ns)).put("allocBytesPerEvent", Math.round(b))
            .put("cpuMbPerSecond", Math.round(mbps)));
      }
      if (paths.length > 1) {
        JsonObject first = row.getJsonObject(paths[0]);
        for (int p = 1; p < paths.length; p++) {
          JsonObject o = row.getJsonObject(paths[p]);
          System.out.printf("%-17s %s/%s: cpu x%.2f, alloc x%.2f%n", "", paths[0], paths[p],
              (double) first.getLong("cpuNsPerEvent") / Math.max(1, o.getLong("cpuNsPerEvent")),
              (double) first.getLong("allocBytesPerEvent") / Math.max(1, o.getLong("allocBytesPerEvent")));
        }
      }
      rows.add(row);
    }
    JsonObject report = new JsonObject().put("machine", new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.version")).put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
        .put("eventsPerStream", events).put("rounds", rounds).put("wires", rows);
    Path out = Path.of("bench/target");
    if (!Files.isDirectory(Path.of("bench"))) out = Path.of("target");
    Files.createDirectories(out);
    Files.writeString(out.resolve("sse-decode-bench.json"), report.encodePrettily());
    System.out.println("written " + out.resolve("sse-decode-bench.json").toAbsolutePath());
  }

  static void run(DecodePath path, WireAdapter adapter, List<Buffer> chunks, Counting sink) {
    StreamDecoder decoder = adapter.decoder(sink);
    Feeder feeder = path.start(decoder);
    for (int i = 0, n = chunks.size(); i < n; i++) feeder.feed(chunks.get(i));
    feeder.end();
    decoder.onEnd();
    if (!sink.done) throw new IllegalStateException("stream did not complete");
  }

  /** The body as network buffers of 1..512 bytes (a seeded sequence, the same for every path). */
  static List<Buffer> cut(byte[] body, Random random) {
    List<Buffer> out = new ArrayList<>();
    for (int off = 0; off < body.length; ) {
      int n = Math.min(body.length - off, 1 + random.nextInt(512));
      out.add(Buffer.buffer(java.util.Arrays.copyOfRange(body, off, off + n)));
      off += n;
    }
    return out;
  }

  // ---- bodies, shaped as recorded (WIRE-FACTS §1.3, §2.2, §2.3, §3.1) ----

  private static final String[] WORDS = {"the ", "stream ", "decoder ", "reads ", "a ", "delta ", "Vérifions ", "naïve ",
      "café ", "—", "☀️ ", "→ ", "\\n", "\\\"quoted\\\" ", "buffer ", "of ", "bytes ", "and ", "JSON ", "😀 ", "Zürich "};

  /** The JSON-escaped text of delta i: about 40 bytes of words, some multi-byte, some escapes. */
  static String delta(int i) {
    StringBuilder sb = new StringBuilder();
    Random r = new Random(i);
    while (sb.length() < 34) sb.append(WORDS[r.nextInt(WORDS.length)]);
    return sb.toString();
  }

  static String anthropic(int n) {
    StringBuilder sb = new StringBuilder("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XYZ\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":412,\"output_tokens\":1,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}}\n\n")
        .append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    for (int i = 0; i < n; i++) {
      if (i % 50 == 25) sb.append("event: ping\ndata: {\"type\": \"ping\"}\n\n");
      sb.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"")
          .append(delta(i)).append("\"}}\n\n");
    }
    return sb.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
        .append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":").append(n).append("}}\n\n")
        .append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").toString();
  }

  static String chat(int n) {
    StringBuilder sb = new StringBuilder("data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1735000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    for (int i = 0; i < n; i++) {
      sb.append("data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1735000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
          .append(delta(i)).append("\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    }
    return sb.append("data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1735000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n")
        .append("data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1735000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":[],\"usage\":{\"prompt_tokens\":80,\"completion_tokens\":").append(n)
        .append(",\"total_tokens\":97,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n")
        .append("data: [DONE]\n\n").toString();
  }

  static String responses(int n) {
    StringBuilder sb = new StringBuilder("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1735000000,\"status\":\"in_progress\",\"model\":\"gpt-5\",\"output\":[],\"usage\":null}}\n\n")
        .append("event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"status\":\"in_progress\",\"content\":[]}}\n\n");
    for (int i = 0; i < n; i++) {
      sb.append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":").append(i + 2)
          .append(",\"item_id\":\"msg_68a5c1d2e3f4\",\"output_index\":0,\"content_index\":0,\"delta\":\"").append(delta(i))
          .append("\",\"logprobs\":[],\"obfuscation\":\"x1Yz\"}\n\n");
    }
    return sb.append("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":").append(n + 2)
        .append(",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"status\":\"completed\",\"content\":[]}],\"usage\":{\"input_tokens\":80,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":20,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":100}}}\n\n")
        .toString();
  }

  static String gemini(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"").append(delta(i))
          .append("\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 31,\"totalTokenCount\": 31,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 31}]},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc123XYZ\"}\r\n\r\n");
    }
    return sb.append("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 31,\"candidatesTokenCount\": 12,\"totalTokenCount\": 43},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc123XYZ\"}\r\n\r\n")
        .toString();
  }

  /** Counts texts and hashes them, so every path is checked to decode the same text and nothing is optimized away. */
  static final class Counting implements EventSink {
    long texts;
    long hash = 17;
    boolean done;

    @Override public void text(String text) { texts++; hash = hash * 31 + text.hashCode(); }
    @Override public void thinking(String text) { hash = hash * 31 + text.hashCode(); }
    @Override public void thinkingSignature(String signature) { }
    @Override public void redactedThinking(String data) { }
    @Override public void toolCall(String id, String name, JsonObject arguments, String signature) { }
    @Override public void usage(long input, long output, long cacheRead, long cacheWrite) { hash = hash * 31 + output; }
    @Override public void done(String stopReason, String raw) { done = true; hash = hash * 31 + stopReason.hashCode(); }
    @Override public void fail(UpstreamError error) { throw new IllegalStateException(error.message()); }
  }

  /** The paths measured. */
  static final class Paths {
    static final String[] NAMES = {"tree", "bytes", "fast"};

    static DecodePath of(String name) {
      return switch (name) {
        case "tree" -> decoder -> {
          SseParser parser = new SseParser(decoder::onEvent);
          return new Feeder() {
            @Override public void feed(Buffer chunk) { parser.feed(chunk); }
            @Override public void end() { parser.end(); }
          };
        };
        // the byte SSE parser, but every event decoded as a String and a tree (the SSE parser's share of the gain)
        case "bytes" -> decoder -> {
          ByteSseParser parser = new ByteSseParser((event, data, length) ->
              decoder.onEvent(new SseEvent(event, new String(data, 0, length, StandardCharsets.UTF_8))));
          return new Feeder() {
            @Override public void feed(Buffer chunk) { parser.feed(chunk); }
            @Override public void end() { parser.end(); }
          };
        };
        case "fast" -> decoder -> {
          ByteSseParser parser = new ByteSseParser(decoder::onEvent);
          return new Feeder() {
            @Override public void feed(Buffer chunk) { parser.feed(chunk); }
            @Override public void end() { parser.end(); }
          };
        };
        default -> throw new IllegalArgumentException("unknown path " + name + " (tree, bytes, fast)");
      };
    }
  }
}
