package dev.maestro.bench.gateway;

import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end streaming overhead of the whole system. Starts the five service fat jars as separate
 * processes exactly as {@code deploy/maestro} does (same JVM flags), clustered on a random cluster
 * name, with real PostgreSQL and Redis; this JVM runs the testkit {@link FakeUpstream} (OpenAI Chat
 * Completions, paced, every text chunk stamped at write time with epoch microseconds) and the
 * clients.
 *
 * <p>At each concurrency level two phases run back to back in the same run:
 * <ul>
 *   <li><b>baseline</b>: N clients POST to the fake upstream directly and read its SSE stream;</li>
 *   <li><b>system</b>: N clients on their own WebSocket to the gateway subscribe to their own session
 *       and send; the turn goes gateway → session → provider → fake upstream and back as
 *       {@code delta} events.</li>
 * </ul>
 * Per chunk: client receive time minus the fake upstream's write time (µs, HdrHistogram). Time to
 * first token: client send → first text chunk received. The added latency is system minus
 * baseline. Also chunks per second delivered to the clients and each process's RSS (peak sampled
 * during the phase). Prints a table and writes {@code bench/target/gateway-e2e-bench.json}.
 *
 * <p>Usage (from the repository root, jars built):
 * {@code java -cp bench/target/bench-0.1.0-SNAPSHOT-fat.jar dev.maestro.bench.gateway.GatewayEndToEndBench
 * [--levels=1,100,1000] [--chunks=20] [--interval-ms=20] [--warmup=100] [--rounds=N]}. Each level runs
 * {@code --rounds} rounds (default 200/N, between 1 and 20), alternating baseline and system. Environment:
 * {@code MAESTRO_BENCH_PG_URL} (default {@code postgresql://postgres@127.0.0.1:5432/maestro_bench}; its
 * Maestro schemas are dropped first), {@code MAESTRO_BENCH_REDIS_URL} (default
 * {@code redis://127.0.0.1:6379/10}), {@code MAESTRO_JAVA_OPTS} (as for the launcher).
 */
public final class GatewayEndToEndBench {
  private GatewayEndToEndBench() {}

  static final String VERSION = "0.1.0-SNAPSHOT";
  static final String[] SERVICES = {"auth", "provider", "tool", "session", "gateway"};
  /** As deploy/maestro's JAVA_OPTS_DEFAULT and HZ_FLAGS. */
  static final String JAVA_OPTS_DEFAULT = "-XX:+UseSerialGC -Xms32m -Xmx384m -XX:TieredStopAtLevel=1 -Xshare:auto";
  static final String HZ_FLAGS = "--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED"
      + " --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED"
      + " --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED";
  static final int CLUSTER_PORT = 28701;
  static final String ADMIN_PASSWORD = "bench-" + UUID.randomUUID();
  static final String MODEL = "gpt-4o-mini";

  // ---- one clock for stamps and receive times: epoch µs, monotonic (anchored once to the wall clock)
  private static final long NANO_BASE;
  private static final long EPOCH_MICROS_BASE;

  static {
    Instant now = Instant.now();
    NANO_BASE = System.nanoTime();
    EPOCH_MICROS_BASE = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  static long nowMicros() {
    return EPOCH_MICROS_BASE + (System.nanoTime() - NANO_BASE) / 1_000;
  }

  record Settings(int[] levels, int chunks, long intervalMs, int warmup, int rounds) {
    int maxLevel() {
      return Arrays.stream(levels).max().orElse(1);
    }
  }

  /** What one phase (one path at one level) measured. */
  static final class Phase {
    final String name;
    final int streams;
    final Histogram chunk = new Histogram(120_000_000L, 3);
    final Histogram ttft = new Histogram(120_000_000L, 3);
    final long[] sentAt;
    final boolean[] firstSeen;
    volatile CountDownLatch done;
    final AtomicLong errors = new AtomicLong();
    final Map<String, Long> peakRssKb = new LinkedHashMap<>();
    int rounds;
    long chunks;
    long unparsed;
    long t0;
    long lastChunk;
    long activeMicros;

    Phase(String name, int streams) {
      this.name = name;
      this.streams = streams;
      this.sentAt = new long[streams];
      this.firstSeen = new boolean[streams];
      this.done = new CountDownLatch(0);
    }

    /** A new round of the same N streams: the histograms and counters accumulate over rounds. */
    synchronized void beginRound() {
      Arrays.fill(sentAt, 0);
      Arrays.fill(firstSeen, false);
      done = new CountDownLatch(streams);
      lastChunk = 0;
      rounds++;
      t0 = nowMicros();
    }

    /** Active time of the round: first send → last chunk received. */
    synchronized void endRound() {
      if (lastChunk > t0) activeMicros += lastChunk - t0;
    }

    final Map<String, Long> cpuMs = new LinkedHashMap<>();

    void peak(Map<String, Long> rss) {
      rss.forEach((k, v) -> peakRssKb.merge(k, v, Math::max));
    }

    void cpu(Map<String, Long> before, Map<String, Long> after) {
      after.forEach((k, v) -> cpuMs.merge(k, v - before.getOrDefault(k, v), Long::sum));
    }

    synchronized void chunk(int idx, String text, long now) {
      chunks++;
      lastChunk = Math.max(lastChunk, now);
      long stamp;
      try {
        stamp = Long.parseLong(text.trim());
      } catch (NumberFormatException e) {
        unparsed++;
        return;
      }
      chunk.recordValue(clamp(now - stamp, chunk));
      if (!firstSeen[idx]) {
        firstSeen[idx] = true;
        ttft.recordValue(clamp(now - sentAt[idx], ttft));
      }
    }

    void error(String what) {
      if (errors.getAndIncrement() < 5) System.err.println("[" + name + "] " + what);
    }

    synchronized double chunksPerSecond() {
      return activeMicros <= 0 ? 0 : chunks * 1e6 / activeMicros;
    }

    private static long clamp(long v, Histogram h) {
      return Math.max(0, Math.min(v, h.getHighestTrackableValue()));
    }
  }

  record Level(int streams, Phase baseline, Phase system) {}

  public static void main(String[] args) throws Exception {
    Settings s = parse(args);
    Path root = findRoot();
    ensureJars(root);
    String pgUrl = env("MAESTRO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_bench");
    String redisUrl = env("MAESTRO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10");

    // the fake upstream on its own Vert.x (one event loop), the clients on another
    Vertx upstreamVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Vertx vertx = Vertx.vertx();
    FakeUpstream fake = FakeUpstream.start(upstreamVertx, 0).await(20, TimeUnit.SECONDS).recording(false);
    freshDatabase(vertx, pgUrl);

    Path data = Files.createTempDirectory("maestro-e2e-bench-");
    int httpPort = freePort();
    Map<String, Process> procs = new LinkedHashMap<>();
    Thread stopper = new Thread(() -> stopAll(procs), "bench-stop-services");
    Runtime.getRuntime().addShutdownHook(stopper);
    RssSampler rss = new RssSampler();
    List<Level> results = new ArrayList<>();
    Map<String, Long> idleRss;
    int exit = 0;
    try {
      Map<String, String> env = serviceEnv(pgUrl, redisUrl, httpPort, data, s.maxLevel());
      System.out.println("services: logs in " + data);
      for (String svc : SERVICES) {
        Process p = startService(root, svc, env, data.resolve(svc + ".log"));
        procs.put(svc, p);
        rss.watch(svc, p.pid());
      }
      rss.watch("bench+fake", ProcessHandle.current().pid());
      WebClient http = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(32)));
      long t = System.currentTimeMillis();
      awaitHealthy(http, httpPort, procs, data);
      System.out.printf("system UP in %d ms%n", System.currentTimeMillis() - t);
      String token = mintToken(http, httpPort);
      String credentialId = createCredential(http, httpPort, token, fake.openAiBaseUrl());
      List<String> sessions = createSessions(http, httpPort, token, credentialId, Math.max(s.maxLevel(), s.warmup()));
      HttpClient direct = vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true)
          .setDefaultHost("127.0.0.1").setDefaultPort(fake.port()), new PoolOptions().setHttp1MaxSize(Math.max(s.maxLevel(), s.warmup()) + 16));
      rss.start();
      idleRss = rss.snapshotAndReset();

      if (s.warmup() > 0) {
        System.out.printf("warm-up: %d streams on each path, twice ...%n", s.warmup());
        for (int r = 0; r < 2; r++) {
          baseline(direct, fake, s, new Phase("warmup-baseline", s.warmup()));
          system(vertx, fake, s, new Phase("warmup-system", s.warmup()), httpPort, token, sessions);
        }
      }
      for (int n : s.levels()) {
        Phase b = new Phase("baseline@" + n, n);
        Phase sys = new Phase("system@" + n, n);
        int rounds = s.rounds() > 0 ? s.rounds() : Math.max(1, Math.min(20, 200 / n));
        System.out.printf("level %d: %d round(s) of baseline then system ...%n", n, rounds);
        for (int r = 0; r < rounds; r++) {
          rss.snapshotAndReset();
          Map<String, Long> cpu0 = rss.cpuMs();
          baseline(direct, fake, s, b);
          b.cpu(cpu0, rss.cpuMs());
          b.peak(rss.snapshotAndReset());
          Thread.sleep(300);
          cpu0 = rss.cpuMs();
          system(vertx, fake, s, sys, httpPort, token, sessions);
          sys.cpu(cpu0, rss.cpuMs());
          sys.peak(rss.snapshotAndReset());
          Thread.sleep(300);
        }
        results.add(new Level(n, b, sys));
        System.out.printf("level %d: chunk p50 baseline %d µs, system %d µs (%d/%d chunks, %d errors)%n", n,
            b.chunk.getValueAtPercentile(50), sys.chunk.getValueAtPercentile(50), sys.chunks, (long) n * s.chunks() * rounds,
            sys.errors.get() + b.errors.get());
        Thread.sleep(1000);
      }
      direct.close();
      report(root, s, results, idleRss);
    } catch (Throwable e) {
      e.printStackTrace();
      System.err.println("service logs: " + data);
      exit = 1;
    } finally {
      rss.stop();
      stopAll(procs);
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException ignored) {
        // already shutting down
      }
      vertx.close().await(20, TimeUnit.SECONDS);
      upstreamVertx.close().await(20, TimeUnit.SECONDS);
    }
    System.exit(exit);
  }

  // ---------------------------------------------------------------- the two paths

  static FakeReply stampedReply(Settings s) {
    String[] chunks = new String[s.chunks()];
    for (int i = 0; i < chunks.length; i++) chunks[i] = String.format("chunk-%04d", i);
    return FakeReply.stream(FakeTurn.create().text(chunks)).chunkDelayMs(s.intervalMs())
        .stampTextChunks(GatewayEndToEndBench::nowMicros);
  }

  /** N clients read the fake upstream's SSE stream directly. */
  static Phase baseline(HttpClient client, FakeUpstream fake, Settings s, Phase ph) throws Exception {
    int n = ph.streams;
    fake.clearQueue();
    for (int i = 0; i < n; i++) fake.enqueue(stampedReply(s));
    String body = new JsonObject().put("model", MODEL).put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "go"))).encode();
    ph.beginRound();
    CountDownLatch done = ph.done;
    for (int i = 0; i < n; i++) {
      int idx = i;
      ph.sentAt[idx] = nowMicros();
      client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
              .putHeader("content-type", "application/json").putHeader("authorization", "Bearer sk-bench")
              .putHeader("accept", "text/event-stream"))
          .compose(req -> req.send(Buffer.buffer(body)))
          .onSuccess(resp -> {
            if (resp.statusCode() != 200) {
              ph.error("HTTP " + resp.statusCode());
              done.countDown();
              return;
            }
            StringBuilder pending = new StringBuilder();
            resp.handler(buf -> {
              long now = nowMicros();
              pending.append(buf.toString());
              int end;
              while ((end = pending.indexOf("\n\n")) >= 0) {
                String event = pending.substring(0, end);
                pending.delete(0, end + 2);
                if (!event.startsWith("data: ")) continue;
                String payload = event.substring(6);
                if (payload.equals("[DONE]")) continue;
                JsonArray choices = new JsonObject(payload).getJsonArray("choices");
                if (choices == null || choices.isEmpty()) continue;
                JsonObject delta = choices.getJsonObject(0).getJsonObject("delta");
                String content = delta == null ? null : delta.getString("content");
                if (content != null && !content.isEmpty()) ph.chunk(idx, content, now);
              }
            });
            resp.endHandler(v -> done.countDown());
            resp.exceptionHandler(err -> {
              ph.error("stream: " + err);
              done.countDown();
            });
          })
          .onFailure(err -> {
            ph.error("request: " + err);
            done.countDown();
          });
    }
    if (!done.await(phaseTimeoutSeconds(s), TimeUnit.SECONDS)) ph.error("timed out: " + done.getCount() + " streams not finished");
    ph.endRound();
    return ph;
  }

  /** N clients, one WebSocket each to the gateway, subscribe to their own session and send. */
  static Phase system(Vertx vertx, FakeUpstream fake, Settings s, Phase ph, int port, String token, List<String> sessions)
      throws Exception {
    int n = ph.streams;
    WebSocketClient wsc = vertx.createWebSocketClient(new WebSocketClientOptions().setTcpNoDelay(true)
        .setMaxConnections(n + 16).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20)
        .setConnectTimeout(60_000));
    CountDownLatch subscribed = new CountDownLatch(n);
    WebSocket[] sockets = new WebSocket[n];
    try {
      for (int from = 0; from < n; from += 50) {
        List<Future<WebSocket>> batch = new ArrayList<>();
        for (int i = from; i < Math.min(n, from + 50); i++) {
          int idx = i;
          String sessionId = sessions.get(i);
          batch.add(wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/v1/ws?client=tui")
                  .addHeader("Authorization", "Bearer " + token))
              .onSuccess(ws -> {
                sockets[idx] = ws;
                ws.textMessageHandler(text -> onFrame(ph, idx, text, subscribed));
                ws.closeHandler(v -> {
                  if (ph.done.getCount() > 0 && ws.closeStatusCode() != null && ws.closeStatusCode() != 1000) {
                    ph.error("socket " + idx + " closed: " + ws.closeStatusCode() + " " + ws.closeReason());
                  }
                });
                ws.writeTextMessage(new JsonObject().put("type", "subscribe").put("sessionId", sessionId).encode());
              }));
        }
        Future.all(batch).await(120, TimeUnit.SECONDS);
      }
      if (!subscribed.await(120, TimeUnit.SECONDS)) throw new IllegalStateException(subscribed.getCount() + " subscriptions not acknowledged");
      fake.clearQueue();
      for (int i = 0; i < n; i++) fake.enqueue(stampedReply(s));
      ph.beginRound();
      for (int i = 0; i < n; i++) {
        ph.sentAt[i] = nowMicros();
        sockets[i].writeTextMessage(new JsonObject().put("type", "send").put("sessionId", sessions.get(i)).put("text", "go").encode());
      }
      if (!ph.done.await(phaseTimeoutSeconds(s), TimeUnit.SECONDS)) ph.error("timed out: " + ph.done.getCount() + " turns not completed");
      ph.endRound();
    } finally {
      List<Future<Void>> closing = new ArrayList<>();
      for (WebSocket ws : sockets) if (ws != null) closing.add(ws.close());
      try {
        Future.join(closing).await(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // best effort
      }
      wsc.close();
    }
    return ph;
  }

  static void onFrame(Phase ph, int idx, String text, CountDownLatch subscribed) {
    long now = nowMicros();
    JsonObject f = new JsonObject(text);
    switch (f.getString("type", "")) {
      case "event" -> {
        JsonObject e = f.getJsonObject("event");
        switch (e.getString("type", "")) {
          case "delta" -> {
            String t = e.getString("text", "");
            if (!t.isEmpty()) ph.chunk(idx, t, now);
          }
          case "turn_error" -> ph.error("turn_error: " + e.encode());
          case "turn_completed" -> {
            if (!"complete".equals(e.getString("status"))) ph.error("turn " + e.getString("status") + " on stream " + idx);
            ph.done.countDown();
          }
          default -> { }
        }
      }
      case "ack" -> {
        if ("subscribe".equals(f.getString("action"))) subscribed.countDown();
      }
      case "error" -> ph.error("error frame: " + text);
      default -> { }
    }
  }

  static long phaseTimeoutSeconds(Settings s) {
    return 180 + s.chunks() * s.intervalMs() / 1000;
  }

  // ---------------------------------------------------------------- the system's processes

  static Map<String, String> serviceEnv(String pgUrl, String redisUrl, int httpPort, Path data, int maxLevel) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MAESTRO_PG_URL", pgUrl);
    env.put("MAESTRO_REDIS_URL", redisUrl);
    env.put("MAESTRO_HTTP_HOST", "127.0.0.1");
    env.put("MAESTRO_HTTP_PORT", String.valueOf(httpPort));
    env.put("MAESTRO_CLUSTER_NAME", "bench-" + UUID.randomUUID());
    env.put("MAESTRO_CLUSTER_HOST", "127.0.0.1");
    env.put("MAESTRO_CLUSTER_PORT", String.valueOf(CLUSTER_PORT));
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < SERVICES.length + 3; i++) members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(CLUSTER_PORT + i);
    env.put("MAESTRO_CLUSTER_MEMBERS", members.toString());
    env.put("MAESTRO_DATA_DIR", data.toString());
    env.put("MAESTRO_ADMIN_PASSWORD", ADMIN_PASSWORD);
    env.put("MAESTRO_RATE_API_PER_MINUTE", "100000000");
    env.put("MAESTRO_RATE_SENDS_PER_MINUTE", "100000000");
    // one upstream connection per concurrent stream (the default pool of 200 would queue the 1,000-stream run)
    env.put("MAESTRO_PROVIDER_POOL_SIZE", String.valueOf(Math.max(200, maxLevel + 64)));
    return env;
  }

  static Process startService(Path root, String svc, Map<String, String> env, Path log) throws Exception {
    Path jar = serviceJar(root, svc);
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    String opts = System.getenv("MAESTRO_JAVA_OPTS");
    cmd.addAll(Arrays.asList((opts == null || opts.isBlank() ? JAVA_OPTS_DEFAULT : opts).trim().split("\\s+")));
    cmd.addAll(Arrays.asList(HZ_FLAGS.split("\\s+")));
    cmd.add("-jar");
    cmd.add(jar.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("MAESTRO_"));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    return pb.start();
  }

  static Path serviceJar(Path root, String svc) {
    return root.resolve(svc + "-service/target/" + svc + "-service-" + VERSION + "-fat.jar");
  }

  static void stopAll(Map<String, Process> procs) {
    List<Process> live = new ArrayList<>();
    List<String> order = new ArrayList<>(procs.keySet());
    java.util.Collections.reverse(order);
    for (String svc : order) {
      Process p = procs.get(svc);
      if (p != null && p.isAlive()) {
        p.destroy();
        live.add(p);
      }
    }
    long deadline = System.currentTimeMillis() + 15_000;
    for (Process p : live) {
      try {
        if (!p.waitFor(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }

  static void awaitHealthy(WebClient http, int port, Map<String, Process> procs, Path data) throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    String last = "no answer";
    while (System.currentTimeMillis() < deadline) {
      for (Map.Entry<String, Process> e : procs.entrySet()) {
        if (!e.getValue().isAlive()) {
          throw new IllegalStateException(e.getKey() + "-service exited during start-up (exit " + e.getValue().exitValue() + "); log: "
              + data.resolve(e.getKey() + ".log") + "\n" + tail(data.resolve(e.getKey() + ".log")));
        }
      }
      try {
        HttpResponse<Buffer> r = http.get(port, "127.0.0.1", "/health").send().await(5, TimeUnit.SECONDS);
        last = r.bodyAsString();
        if (r.statusCode() == 200 && "UP".equals(r.bodyAsJsonObject().getString("status"))) return;
      } catch (Exception notYet) {
        // the gateway is not listening yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the system was not UP within 3 minutes; last /health: " + last);
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (Exception e) {
      return "";
    }
  }

  static String mintToken(WebClient http, int port) throws Exception {
    HttpResponse<Buffer> r = http.post(port, "127.0.0.1", "/api/v1/auth/token").sendJsonObject(new JsonObject()
        .put("username", "admin").put("password", ADMIN_PASSWORD).put("name", "e2e-bench")).await(30, TimeUnit.SECONDS);
    if (r.statusCode() != 201) throw new IllegalStateException("token: HTTP " + r.statusCode() + " " + r.bodyAsString());
    return r.bodyAsJsonObject().getString("token");
  }

  static String createCredential(WebClient http, int port, String token, String baseUrl) throws Exception {
    HttpResponse<Buffer> r = http.post(port, "127.0.0.1", "/api/v1/credentials").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("provider", "openai").put("kind", "api_key").put("label", "bench fake")
            .put("apiKey", "sk-bench-fake-key").put("baseUrl", baseUrl)).await(30, TimeUnit.SECONDS);
    if (r.statusCode() != 201) throw new IllegalStateException("credential: HTTP " + r.statusCode() + " " + r.bodyAsString());
    return r.bodyAsJsonObject().getString("id");
  }

  static List<String> createSessions(WebClient http, int port, String token, String credentialId, int n) throws Exception {
    long t = System.currentTimeMillis();
    String[] ids = new String[n];
    for (int from = 0; from < n; from += 16) {
      List<Future<?>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 16); i++) {
        int idx = i;
        batch.add(http.post(port, "127.0.0.1", "/api/v1/sessions").bearerTokenAuthentication(token)
            .sendJsonObject(new JsonObject().put("title", "bench " + i).put("provider", "openai").put("model", MODEL)
                .put("credentialId", credentialId))
            .map(r -> {
              if (r.statusCode() != 201) throw new IllegalStateException("session: HTTP " + r.statusCode() + " " + r.bodyAsString());
              ids[idx] = r.bodyAsJsonObject().getString("id");
              return null;
            }));
      }
      Future.all(batch).await(60, TimeUnit.SECONDS);
    }
    System.out.printf("%d sessions created in %d ms%n", n, System.currentTimeMillis() - t);
    return Arrays.asList(ids);
  }

  /** Drops the schemas of the bench database so the bootstrap admin gets this run's password. */
  static void freshDatabase(Vertx vertx, String pgUrl) throws Exception {
    PgConnectOptions target = PgConnectOptions.fromUri(pgUrl);
    Pool admin = PgBuilder.pool().connectingTo(new PgConnectOptions(target).setDatabase("postgres")).using(vertx).build();
    try {
      String db = target.getDatabase();
      boolean exists = admin.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1")
          .execute(io.vertx.sqlclient.Tuple.of(db)).await(30, TimeUnit.SECONDS).size() > 0;
      if (!exists) admin.query("CREATE DATABASE \"" + db.replace("\"", "") + "\"").execute().await(30, TimeUnit.SECONDS);
    } finally {
      admin.close();
    }
    Pool bench = PgBuilder.pool().connectingTo(target).using(vertx).build();
    try {
      for (String schema : List.of("gateway", "session", "auth", "tool", "provider")) {
        bench.query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute().await(60, TimeUnit.SECONDS);
      }
    } finally {
      bench.close();
    }
  }

  static Path findRoot() {
    String configured = System.getProperty("maestro.root", System.getenv("MAESTRO_ROOT"));
    List<Path> candidates = configured != null ? List.of(Path.of(configured)) : List.of(Path.of("."), Path.of(".."));
    for (Path c : candidates) {
      if (Files.isDirectory(c.resolve("gateway-service")) && Files.isRegularFile(c.resolve("pom.xml"))) return c.toAbsolutePath().normalize();
    }
    throw new IllegalStateException("run from the repository root (or set -Dmaestro.root=...)");
  }

  static void ensureJars(Path root) throws Exception {
    boolean missing = Arrays.stream(SERVICES).anyMatch(svc -> !Files.isRegularFile(serviceJar(root, svc)));
    if (!missing) return;
    System.out.println("service jars missing: building (mvn -o -q -B -DskipTests package) ...");
    int rc = new ProcessBuilder("mvn", "-o", "-q", "-B", "-DskipTests", "package").directory(root.toFile()).inheritIO().start().waitFor();
    if (rc != 0) throw new IllegalStateException("build failed (exit " + rc + ")");
  }

  static String env(String name, String def) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? def : v;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Settings parse(String[] args) {
    int[] levels = {1, 100, 1000};
    int chunks = 20;
    long interval = 20;
    int warmup = 100;
    int rounds = 0;
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      if (kv.length != 2) throw new IllegalArgumentException("expected --name=value, got " + a);
      switch (kv[0]) {
        case "levels" -> levels = Arrays.stream(kv[1].split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        case "chunks" -> chunks = Integer.parseInt(kv[1]);
        case "interval-ms" -> interval = Long.parseLong(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "rounds" -> rounds = Integer.parseInt(kv[1]);
        default -> throw new IllegalArgumentException("unknown option " + a + " (levels, chunks, interval-ms, warmup, rounds)");
      }
    }
    return new Settings(levels, chunks, interval, warmup, rounds);
  }

  // ---------------------------------------------------------------- memory

  /** Samples VmRSS of every watched process every 200 ms, keeping the peak since the last snapshot. */
  static final class RssSampler {
    private final Map<String, Long> pids = new LinkedHashMap<>();
    private final Map<String, Long> peak = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    void watch(String name, long pid) {
      pids.put(name, pid);
    }

    void start() {
      sample();
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rss-sampler");
        t.setDaemon(true);
        return t;
      });
      timer.scheduleAtFixedRate(this::sample, 200, 200, TimeUnit.MILLISECONDS);
    }

    void stop() {
      if (timer != null) timer.shutdownNow();
    }

    private void sample() {
      pids.forEach((name, pid) -> {
        long kb = rssKb(pid);
        if (kb > 0) peak.merge(name, kb, Math::max);
      });
    }

    /** utime + stime of every watched process, ms (from /proc/<pid>/stat, 100 ticks per second). */
    Map<String, Long> cpuMs() {
      Map<String, Long> out = new LinkedHashMap<>();
      pids.forEach((name, pid) -> {
        try {
          String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.put(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10);
        } catch (Exception e) {
          out.put(name, 0L);
        }
      });
      return out;
    }

    synchronized Map<String, Long> snapshotAndReset() {
      sample();
      Map<String, Long> out = new LinkedHashMap<>();
      for (String name : pids.keySet()) out.put(name, peak.getOrDefault(name, -1L));
      peak.clear();
      return out;
    }
  }

  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }

  // ---------------------------------------------------------------- report

  static void report(Path root, Settings s, List<Level> levels, Map<String, Long> idleRss) throws Exception {
    System.out.printf("%nEnd-to-end streaming overhead: client → gateway WS → session → provider → fake upstream (OpenAI SSE),%n"
        + "%d chunks per stream, one every %d ms; latency = client receive − upstream write, µs; added = system − baseline%n%n",
        s.chunks(), s.intervalMs());
    String head = "%-8s %9s %9s %9s %9s %10s %10s | %10s %10s %10s %10s %10s | %10s %10s %7s%n";
    System.out.printf(head, "streams", "base p50", "base p99", "sys p50", "sys p99", "added p50", "added p99",
        "baseTTFT50", "sysTTFT50", "+TTFT p50", "+TTFT p99", "base ch/s", "sys ch/s", "chunks", "errors");
    JsonArray json = new JsonArray();
    for (Level l : levels) {
      Phase b = l.baseline();
      Phase y = l.system();
      long addP50 = y.chunk.getValueAtPercentile(50) - b.chunk.getValueAtPercentile(50);
      long addP99 = y.chunk.getValueAtPercentile(99) - b.chunk.getValueAtPercentile(99);
      long addT50 = y.ttft.getValueAtPercentile(50) - b.ttft.getValueAtPercentile(50);
      long addT99 = y.ttft.getValueAtPercentile(99) - b.ttft.getValueAtPercentile(99);
      System.out.printf("%-8d %9d %9d %9d %9d %10d %10d | %10d %10d %10d %10d %10.0f | %10.0f %10s %7d%n", l.streams(),
          b.chunk.getValueAtPercentile(50), b.chunk.getValueAtPercentile(99), y.chunk.getValueAtPercentile(50),
          y.chunk.getValueAtPercentile(99), addP50, addP99, b.ttft.getValueAtPercentile(50), y.ttft.getValueAtPercentile(50),
          addT50, addT99, b.chunksPerSecond(), y.chunksPerSecond(), y.chunks + "/" + (long) l.streams() * s.chunks() * y.rounds,
          y.errors.get() + b.errors.get());
      json.add(new JsonObject().put("streams", l.streams())
          .put("baseline", phaseJson(b, s)).put("system", phaseJson(y, s))
          .put("addedMicros", new JsonObject().put("chunkP50", addP50).put("chunkP99", addP99)
              .put("ttftP50", addT50).put("ttftP99", addT99)));
    }
    System.out.printf("%nPeak RSS (MiB) sampled every 200 ms during the system phase (idle = after start-up)%n");
    List<String> names = new ArrayList<>(idleRss.keySet());
    System.out.printf("%-8s", "streams");
    for (String n : names) System.out.printf(" %11s", n);
    System.out.println();
    System.out.printf("%-8s", "idle");
    for (String n : names) System.out.printf(" %11d", idleRss.get(n) / 1024);
    System.out.println();
    for (Level l : levels) {
      System.out.printf("%-8d", l.streams());
      for (String n : names) System.out.printf(" %11d", l.system().peakRssKb.getOrDefault(n, -1L) / 1024);
      System.out.println();
    }
    System.out.printf("%nCPU time (ms) per process during the phase, all rounds (baseline / system)%n");
    System.out.printf("%-8s", "streams");
    for (String n : names) System.out.printf(" %15s", n);
    System.out.println();
    for (Level l : levels) {
      System.out.printf("%-8d", l.streams());
      for (String n : names) {
        System.out.printf(" %15s", l.baseline().cpuMs.getOrDefault(n, 0L) + " / " + l.system().cpuMs.getOrDefault(n, 0L));
      }
      System.out.println();
    }
    Path out = root.resolve("bench/target/gateway-e2e-bench.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, new JsonObject()
        .put("benchmark", "gateway-e2e")
        .put("chunksPerStream", s.chunks()).put("intervalMs", s.intervalMs()).put("warmupStreams", s.warmup())
        .put("clock", "epoch microseconds of the bench JVM (fake upstream and clients share it)")
        .put("javaOpts", env("MAESTRO_JAVA_OPTS", JAVA_OPTS_DEFAULT))
        .put("cpus", Runtime.getRuntime().availableProcessors())
        .put("idleRssKb", new JsonObject(new LinkedHashMap<String, Object>(idleRss)))
        .put("levels", json).encodePrettily());
    System.out.println("\nJSON written to " + out);
  }

  static JsonObject phaseJson(Phase p, Settings s) {
    return new JsonObject()
        .put("chunkLatencyMicros", percentiles(p.chunk))
        .put("ttftMicros", percentiles(p.ttft))
        .put("rounds", p.rounds)
        .put("chunksReceived", p.chunks).put("chunksExpected", (long) p.streams * s.chunks() * p.rounds)
        .put("chunksUnparsed", p.unparsed)
        .put("chunksPerSecond", Math.round(p.chunksPerSecond()))
        .put("errors", p.errors.get())
        .put("peakRssKb", new JsonObject(new LinkedHashMap<String, Object>(p.peakRssKb)))
        .put("cpuMs", new JsonObject(new LinkedHashMap<String, Object>(p.cpuMs)));
  }

  static JsonObject percentiles(Histogram h) {
    return new JsonObject().put("p50", h.getValueAtPercentile(50)).put("p90", h.getValueAtPercentile(90))
        .put("p99", h.getValueAtPercentile(99)).put("p999", h.getValueAtPercentile(99.9)).put("max", h.getMaxValue())
        .put("mean", Math.round(h.getMean())).put("count", h.getTotalCount());
  }
}
