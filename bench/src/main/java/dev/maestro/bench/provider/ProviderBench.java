package dev.maestro.bench.provider;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.provider.Credentials;
import dev.maestro.provider.ProviderServiceImpl;
import dev.maestro.provider.ProviderSettings;
import dev.maestro.provider.UpstreamClients;
import dev.maestro.provider.wire.AnthropicAdapter;
import dev.maestro.provider.wire.ByteSseParser;
import dev.maestro.provider.wire.EventSink;
import dev.maestro.provider.wire.GeminiAdapter;
import dev.maestro.provider.wire.OpenAiChatAdapter;
import dev.maestro.provider.wire.OpenAiResponsesAdapter;
import dev.maestro.provider.wire.StreamDecoder;
import dev.maestro.provider.wire.UpstreamError;
import dev.maestro.provider.wire.WireAdapter;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import dev.maestro.testkit.services.FakeAuthService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import org.HdrHistogram.Histogram;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * provider-service benchmark (run on demand, not a test):
 * <ol>
 *   <li>parse cost per SSE event per adapter: ByteSseParser + decoder (what StreamCall runs) over a
 *       synthetic text-delta stream fed in 1 KiB network chunks ({@link SseDecodeBench} compares it with
 *       the path before);</li>
 *   <li>added latency per chunk at 1, 100 and 1,000 concurrent streams: the fake upstream stamps each
 *       text chunk with {@code System.nanoTime()} as it writes it; the reply consumer subtracts it from
 *       the time the normalized {@code text} event arrives on the bus (same JVM, loopback HTTP).</li>
 * </ol>
 * Prints a table and writes {@code bench/target/provider-bench.json}. Run:
 * {@code mvn -q -pl bench -am compile exec:java -Dexec.mainClass=dev.maestro.bench.provider.ProviderBench}
 * or with {@code java -cp ...}. Args: {@code [chunksPerStream=20] [chunkDelayMs=50] [levels=1,100,1000]}.
 */
public final class ProviderBench {
  private ProviderBench() {}

  public static void main(String[] args) throws Exception {
    int chunks = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    long delayMs = args.length > 1 ? Long.parseLong(args[1]) : 50;
    int[] levels = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1, 100, 1000};

    JsonObject report = new JsonObject().put("machine", new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors()).put("java", System.getProperty("java.version")));
    report.put("parse", parseCost());
    report.put("latency", latency(chunks, delayMs, levels));

    Path out = Path.of("bench/target");
    if (!Files.isDirectory(Path.of("bench"))) out = Path.of("target");
    Files.createDirectories(out);
    Files.writeString(out.resolve("provider-bench.json"), report.encodePrettily());
    System.out.println("\nwritten " + out.resolve("provider-bench.json").toAbsolutePath());
    System.exit(0);
  }

  // ---- 1. parse cost ----

  private static JsonArray parseCost() {
    int events = 200_000;
    Object[][] cases = {
        {"anthropic", new AnthropicAdapter(), anthropicStream(events)},
        {"openai-chat", new OpenAiChatAdapter(false), chatStream(events)},
        {"openai-responses", new OpenAiResponsesAdapter(), responsesStream(events)},
        {"gemini", new GeminiAdapter(), geminiStream(events)}};
    JsonArray rows = new JsonArray();
    System.out.println("Parse cost per SSE event (ByteSseParser + decoder, 1 KiB network chunks, " + events + " text-delta events)");
    System.out.printf("%-18s %14s %14s %12s %10s%n", "adapter", "cpu ns/event", "wall ns/event", "cpu MB/s", "bytes/ev");
    for (Object[] c : cases) {
      WireAdapter adapter = (WireAdapter) c[1];
      byte[] body = ((String) c[2]).getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 5; i++) decode(adapter, body); // warm-up
      // thread CPU time as well as wall time: on a shared, loaded machine wall time mostly measures waiting
      java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
      long bestWall = Long.MAX_VALUE;
      long bestCpu = Long.MAX_VALUE;
      for (int i = 0; i < 7; i++) {
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall = decode(adapter, body);
        bestCpu = Math.min(bestCpu, mx.getCurrentThreadCpuTime() - cpu0);
        bestWall = Math.min(bestWall, wall);
      }
      double cpuNs = (double) bestCpu / events;
      double wallNs = (double) bestWall / events;
      double mbps = body.length / (bestCpu / 1e9) / 1e6;
      System.out.printf("%-18s %14.0f %14.0f %12.1f %10d%n", c[0], cpuNs, wallNs, mbps, body.length / events);
      rows.add(new JsonObject().put("adapter", c[0]).put("cpuNsPerEvent", Math.round(cpuNs)).put("wallNsPerEvent", Math.round(wallNs))
          .put("cpuMbPerSecond", Math.round(mbps)).put("bytesPerEvent", body.length / events));
    }
    return rows;
  }

  private static long decode(WireAdapter adapter, byte[] body) {
    AtomicLong texts = new AtomicLong();
    StreamDecoder decoder = adapter.decoder(new CountingSink(texts));
    ByteSseParser parser = new ByteSseParser(decoder::onEvent);
    long t0 = System.nanoTime();
    for (int off = 0; off < body.length; off += 1024) {
      parser.feed(Arrays.copyOfRange(body, off, Math.min(body.length, off + 1024)));
    }
    parser.end();
    decoder.onEnd();
    long t = System.nanoTime() - t0;
    if (texts.get() == 0) throw new IllegalStateException("decoder produced nothing");
    return t;
  }

  private static String anthropicStream(int n) {
    StringBuilder sb = new StringBuilder("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n")
        .append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    for (int i = 0; i < n; i++) {
      sb.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"token ").append(i).append(" \"}}\n\n");
    }
    return sb.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").toString();
  }

  private static String chatStream(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1735000000,\"model\":\"gpt-4o\",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token ")
          .append(i).append(" \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    }
    return sb.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n").toString();
  }

  private static String responsesStream(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":").append(i)
          .append(",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"token ").append(i).append(" \",\"logprobs\":[]}\n\n");
    }
    return sb.append("event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n").toString();
  }

  private static String geminiStream(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"token ").append(i)
          .append(" \"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":31,\"totalTokenCount\":31},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc\"}\r\n\r\n");
    }
    return sb.append("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":31,\"candidatesTokenCount\":3,\"totalTokenCount\":34}}\r\n\r\n").toString();
  }

  private static final class CountingSink implements EventSink {
    private final AtomicLong texts;

    CountingSink(AtomicLong texts) {
      this.texts = texts;
    }

    @Override public void text(String text) { texts.incrementAndGet(); }
    @Override public void thinking(String text) { }
    @Override public void thinkingSignature(String signature) { }
    @Override public void redactedThinking(String data) { }
    @Override public void toolCall(String id, String name, JsonObject arguments, String signature) { }
    @Override public void usage(long input, long output, long cacheRead, long cacheWrite) { }
    @Override public void done(String stopReason, String raw) { }
    @Override public void fail(UpstreamError error) { throw new IllegalStateException(error.message()); }
  }

  // ---- 2. added latency per chunk ----

  private static JsonArray latency(int chunks, long delayMs, int[] levels) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions());
    FakeUpstream fake = FakeUpstream.start(vertx, 0).await(10, TimeUnit.SECONDS).recording(false);
    FakeAuthService auth = FakeAuthService.likeTheRealService();
    new ServiceBinder(vertx).setAddress(AuthService.ADDRESS).register(AuthService.class, auth).completion().await(10, TimeUnit.SECONDS);
    int maxLevel = Arrays.stream(levels).max().orElse(1);
    ProviderSettings settings = ProviderSettings.from(new JsonObject().put(ProviderSettings.POOL_SIZE, String.valueOf(maxLevel + 50))
        .put(ProviderSettings.MAX_RETRIES, "0"));
    // the fake upstream listens on a loopback port
    UpstreamClients clients = new UpstreamClients(vertx, settings, dev.maestro.platform.net.OutboundPolicy.of("127.0.0.0/8:*"));
    ProviderServiceImpl impl = new ProviderServiceImpl(vertx, settings, new Credentials(AuthService.createProxy(vertx)), clients);
    new ServiceBinder(vertx).setAddress(ProviderService.ADDRESS).register(ProviderService.class, impl).completion().await(10, TimeUnit.SECONDS);
    ProviderService service = ProviderService.createProxy(vertx);

    String[][] targets = {{"anthropic", "claude-sonnet-4-5", null}, {"openai", "gpt-4o", null}, {"openai", "gpt-4o", "responses"},
        {"gemini", "gemini-2.5-flash", null}};
    for (String[] t : targets) {
      auth.credentials.put(t[0], new JsonObject().put("id", t[0]).put("provider", t[0])
          .put("baseUrl", t[0].equals("openai") ? fake.openAiBaseUrl() : fake.baseUrl()).put("secret", "bench").put("scheme", "api_key"));
    }

    System.out.printf("%nAdded latency per chunk (fake upstream write -> normalized text event on the bus), %d chunks/stream, %d ms apart,%n"
        + "adapters round-robin, stream starts spread over one chunk interval; cpu = whole-JVM CPU (fake + service + consumers) per chunk%n", chunks, delayMs);
    System.out.printf("%-8s %9s %9s %9s %9s %9s %9s %8s %14s%n", "streams", "events", "p50 us", "p90 us", "p99 us", "max us", "mean us",
        "errors", "cpu us/chunk");
    run(vertx, fake, service, targets, 50, chunks, delayMs); // warm-up
    JsonArray rows = new JsonArray();
    for (int level : levels) {
      Result r = run(vertx, fake, service, targets, level, chunks, delayMs);
      Histogram h = r.histogram;
      System.out.printf("%-8d %9d %9.0f %9.0f %9.0f %9.0f %9.0f %8d %14.0f%n", level, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
          h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3, h.getMean() / 1e3, r.errors,
          r.cpuNanosPerChunk / 1e3);
      rows.add(new JsonObject().put("streams", level).put("events", h.getTotalCount())
          .put("p50Micros", Math.round(h.getValueAtPercentile(50) / 1e3)).put("p90Micros", Math.round(h.getValueAtPercentile(90) / 1e3))
          .put("p99Micros", Math.round(h.getValueAtPercentile(99) / 1e3)).put("maxMicros", Math.round(h.getMaxValue() / 1e3))
          .put("meanMicros", Math.round(h.getMean() / 1e3)).put("errors", r.errors)
          .put("jvmCpuMicrosPerChunk", Math.round(r.cpuNanosPerChunk / 1e3)));
    }
    vertx.close().await(20, TimeUnit.SECONDS);
    return rows;
  }

  private record Result(Histogram histogram, long errors, long cpuNanosPerChunk) {}

  /** CPU time of the whole JVM (fake upstream + provider-service + consumers). */
  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static Result run(Vertx vertx, FakeUpstream fake, ProviderService service, String[][] targets, int streams, int chunks,
                            long delayMs) throws Exception {
    Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
    AtomicLong errors = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(streams);
    String[] texts = new String[chunks];
    for (int i = 0; i < chunks; i++) texts[i] = "x";
    List<Future<Void>> started = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      fake.enqueue(FakeReply.stream(FakeTurn.create().text(texts)).chunkDelayMs(delayMs).stampTextChunks());
    }
    long cpu0 = processCpuNanos();
    for (int i = 0; i < streams; i++) {
      // streams start spread over one chunk interval, as independent conversations would be
      String[] t = targets[i % targets.length];
      String id = UUID.randomUUID().toString();
      String address = "bench.reply." + id;
      vertx.eventBus().<JsonObject>consumer(address, m -> {
        long now = System.nanoTime();
        JsonObject ev = m.body();
        switch (ev.getString("type")) {
          case "text" -> {
            long stamp = Long.parseLong(ev.getString("text"));
            synchronized (histogram) {
              histogram.recordValue(Math.max(0, now - stamp));
            }
          }
          case "done" -> finished.countDown();
          case "error" -> {
            errors.incrementAndGet();
            finished.countDown();
          }
          default -> { }
        }
      });
      JsonObject request = new JsonObject().put("provider", t[0]).put("credentialId", t[0]).put("model", t[1])
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "bench")));
      if (t[2] != null) request.put("extras", new JsonObject().put("openaiApi", t[2]));
      long at = streams == 1 ? 0 : delayMs * i / streams;
      io.vertx.core.Promise<Void> start = io.vertx.core.Promise.promise();
      vertx.setTimer(Math.max(1, at), tid -> service.stream(request, address, id).onComplete(start));
      started.add(start.future());
    }
    Future.all(started).await(60, TimeUnit.SECONDS);
    if (!finished.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("streams did not finish");
    long cpu = processCpuNanos() - cpu0;
    return new Result(histogram, errors.get(), histogram.getTotalCount() == 0 ? 0 : cpu / histogram.getTotalCount());
  }
}
