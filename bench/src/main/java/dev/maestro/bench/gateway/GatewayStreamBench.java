package dev.maestro.bench.gateway;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.serviceproxy.ServiceBinder;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gateway streaming overhead. Starts the gateway as its own process (clustered with this JVM, real
 * PostgreSQL and Redis); this JVM plays the upstream (a SessionService publishing stamped deltas on
 * the bus) and the clients. Each stream has two clients reading the same published events: one
 * through the gateway WebSocket, one through a bare WebSocket relay in this JVM (the baseline), so
 * the added latency is a difference measured in one run.
 *
 * <p>Usage: {@code java -cp <bench classpath> dev.maestro.bench.gateway.GatewayStreamBench
 * [gateway-jar] [levels, e.g. 1,100,1000] [chunks per stream] [chunk interval ms]}
 */
public final class GatewayStreamBench {
  private GatewayStreamBench() {}

  private static final AtomicLong ERRORS = new AtomicLong();

  record Result(int streams, Histogram gateway, Histogram direct, Histogram gatewayTtft, Histogram directTtft,
                double chunksPerSecond, long gatewayRssKb, long benchRssKb) {}

  public static void main(String[] args) throws Exception {
    String jar = args.length > 0 ? args[0] : "gateway-service/target/gateway-service-0.1.0-SNAPSHOT-fat.jar";
    int[] levels = args.length > 1 ? java.util.Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1, 100, 1000};
    int chunks = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    long interval = args.length > 3 ? Long.parseLong(args[3]) : 20;
    if (!new File(jar).isFile()) {
      System.err.println("gateway jar not found: " + jar + " (build it: mvn -q -pl gateway-service -am package -DskipTests)");
      System.exit(2);
    }
    String cluster = "bench-" + UUID.randomUUID();
    Vertx vertx = ClusterNodes.start(cluster);
    BenchSessionService upstream = new BenchSessionService(vertx, chunks, interval);
    new ServiceBinder(vertx).setAddress(SessionService.ADDRESS).register(SessionService.class, upstream).completion().await();
    upstream.bindFollows().completion().await();
    HttpServer relay = directRelay(vertx, upstream);
    freshBenchDatabase(vertx);
    int httpPort = freePort();
    Process gateway = startGateway(jar, cluster, httpPort);
    List<Result> results = new ArrayList<>();
    try {
      WebClient http = WebClient.create(vertx);
      String token = awaitToken(http, httpPort);
      for (int streams : levels) {
        results.add(run(vertx, streams, chunks, httpPort, relay.actualPort(), token, gateway.pid()));
      }
    } finally {
      gateway.destroy();
      gateway.waitFor(20, TimeUnit.SECONDS);
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    report(results, chunks, interval);
    System.exit(0);
  }

  /** The baseline: subscribe/send over a bare WebSocket, events relayed from the bus unchanged. */
  static HttpServer directRelay(Vertx vertx, SessionService upstream) {
    return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true)).webSocketHandler(ws -> {
      List<MessageConsumer<Object>> consumers = new ArrayList<>();
      ws.textMessageHandler(text -> {
        JsonObject f = new JsonObject(text);
        String id = f.getString("sessionId");
        switch (f.getString("type")) {
          case "subscribe" -> {
            MessageConsumer<Object> c = vertx.eventBus().consumer(Addresses.sessionEvents(id), m -> ws.writeTextMessage(SessionEvents.read(m.body()).encode()));
            consumers.add(c);
            c.completion().onSuccess(v -> ws.writeTextMessage(new JsonObject().put("type", "ack").put("action", "subscribe").put("sessionId", id).encode()));
          }
          case "send" -> upstream.send("bench", id, f.getString("text"));
          default -> { }
        }
      });
      ws.closeHandler(v -> consumers.forEach(MessageConsumer::unregister));
    }).listen(0, "127.0.0.1").await();
  }

  static final String BENCH_PG_URL = TestEnv.pgUrl().replaceAll("/[^/?]+(\\?.*)?$", "/maestro_bench");

  /** Its own database, with the gateway schema dropped, so the bootstrap admin has the bench's password. */
  static void freshBenchDatabase(Vertx vertx) throws Exception {
    io.vertx.pgclient.PgConnectOptions target = io.vertx.pgclient.PgConnectOptions.fromUri(BENCH_PG_URL);
    io.vertx.sqlclient.Pool admin = io.vertx.pgclient.PgBuilder.pool()
        .connectingTo(new io.vertx.pgclient.PgConnectOptions(target).setDatabase("postgres")).using(vertx).build();
    boolean exists = admin.query("SELECT 1 FROM pg_database WHERE datname = 'maestro_bench'").execute().await().size() > 0;
    if (!exists) admin.query("CREATE DATABASE maestro_bench").execute().await();
    admin.close().await();
    io.vertx.sqlclient.Pool bench = io.vertx.pgclient.PgBuilder.pool().connectingTo(target).using(vertx).build();
    bench.query("DROP SCHEMA IF EXISTS gateway CASCADE").execute().await();
    bench.close().await();
  }

  static Process startGateway(String jar, String cluster, int httpPort) throws Exception {
    Path data = Files.createTempDirectory("maestro-bench-");
    ProcessBuilder pb = new ProcessBuilder("java", "-Xmx512m", "-jar", jar);
    Map<String, String> env = pb.environment();
    env.put("MAESTRO_CLUSTER_NAME", cluster);
    env.put("MAESTRO_CLUSTER_HOST", "127.0.0.1");
    env.put("MAESTRO_CLUSTER_PORT", "15751");
    env.put("MAESTRO_CLUSTER_MEMBERS", "127.0.0.1:15701");
    env.put("MAESTRO_HTTP_PORT", String.valueOf(httpPort));
    env.put("MAESTRO_PG_URL", BENCH_PG_URL);
    env.put("MAESTRO_REDIS_URL", TestEnv.redisUrl());
    env.put("MAESTRO_DATA_DIR", data.toString());
    env.put("MAESTRO_ADMIN_PASSWORD", "bench-admin-password");
    env.put("MAESTRO_RATE_API_PER_MINUTE", "100000000");
    env.put("MAESTRO_RATE_SENDS_PER_MINUTE", "100000000");
    env.put("MAESTRO_WS_MAX_QUEUED_FRAMES", "100000");
    pb.redirectErrorStream(true).redirectOutput(data.resolve("gateway.log").toFile());
    System.out.println("gateway log: " + data.resolve("gateway.log"));
    return pb.start();
  }

  static String awaitToken(WebClient http, int port) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        var r = http.post(port, "127.0.0.1", "/api/v1/auth/token").sendJson(new JsonObject().put("username", "admin")
            .put("password", "bench-admin-password").put("name", "bench")).await(5, TimeUnit.SECONDS);
        if (r.statusCode() == 201) return r.bodyAsJsonObject().getString("token");
      } catch (Exception notYet) {
        // the gateway is still starting
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the gateway did not start within 2 minutes");
  }

  static Result run(Vertx vertx, int streams, int chunks, int gwPort, int directPort, String token, long gatewayPid) throws Exception {
    WebSocketClient wsc = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(10_000)
        .setTcpNoDelay(true).setMaxFrameSize(1 << 20));
    Histogram gw = new Histogram(60_000_000L, 3);
    Histogram direct = new Histogram(60_000_000L, 3);
    Histogram gwTtft = new Histogram(60_000_000L, 3);
    Histogram directTtft = new Histogram(60_000_000L, 3);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < streams; i++) ids.add(UUID.randomUUID().toString());
    List<WebSocket> gwSockets = new ArrayList<>();
    List<WebSocket> directSockets = new ArrayList<>();
    CountDownLatch subscribed = new CountDownLatch(2 * streams);
    // two turns per stream (one started through each path), each turn ends with turn_completed on both clients
    CountDownLatch completed = new CountDownLatch(4 * streams);
    CountDownLatch firstTurns = new CountDownLatch(2 * streams);
    long[] gwSentAt = new long[streams];
    long[] directSentAt = new long[streams];
    AtomicLong gwChunks = new AtomicLong();
    for (int i = 0; i < streams; i++) {
      int idx = i;
      WebSocket g = wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gwPort).setURI("/api/v1/ws?client=bench")
          .addHeader("Authorization", "Bearer " + token)).await(30, TimeUnit.SECONDS);
      WebSocket d = wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(directPort).setURI("/")).await(30, TimeUnit.SECONDS);
      g.textMessageHandler(t -> onFrame(t, gw, gwTtft, gwSentAt, idx, subscribed, completed, firstTurns, gwChunks));
      d.textMessageHandler(t -> onFrame(t, direct, directTtft, directSentAt, idx, subscribed, completed, firstTurns, null));
      gwSockets.add(g);
      directSockets.add(d);
      JsonObject sub = new JsonObject().put("type", "subscribe").put("sessionId", ids.get(i));
      g.writeTextMessage(sub.encode());
      d.writeTextMessage(sub.encode());
    }
    if (!subscribed.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("subscriptions did not complete");
    long t0 = System.nanoTime();
    // turn 1 started through the baseline relay, turn 2 through the gateway: TTFT is measured on each path's own client
    for (int i = 0; i < streams; i++) {
      directSentAt[i] = System.nanoTime();
      directSockets.get(i).writeTextMessage(new JsonObject().put("type", "send").put("sessionId", ids.get(i)).put("text", "go").encode());
    }
    // the second turn starts only when every first turn is over, so a late chunk 0 cannot be mistaken for the next
    if (!firstTurns.await(300, TimeUnit.SECONDS)) System.err.println("warning: first turns did not complete in time");
    for (int i = 0; i < streams; i++) {
      gwSentAt[i] = System.nanoTime();
      gwSockets.get(i).writeTextMessage(new JsonObject().put("type", "send").put("sessionId", ids.get(i)).put("text", "go").encode());
    }
    if (!completed.await(300, TimeUnit.SECONDS)) System.err.println("warning: not every turn completed in time");
    double seconds = (System.nanoTime() - t0) / 1e9;
    long gatewayRss = ProcessSampler.rssKb(gatewayPid);
    long benchRss = ProcessSampler.rssKb(ProcessHandle.current().pid());
    for (WebSocket s : gwSockets) s.close();
    for (WebSocket s : directSockets) s.close();
    wsc.close();
    return new Result(streams, gw, direct, gwTtft, directTtft, gwChunks.get() / seconds, gatewayRss, benchRss);
  }

  private static void onFrame(String text, Histogram latency, Histogram ttft, long[] sentAt, int idx, CountDownLatch subscribed,
                              CountDownLatch completed, CountDownLatch firstTurns, AtomicLong chunks) {
    long now = System.nanoTime();
    JsonObject f = new JsonObject(text);
    String type = f.getString("type");
    if ("ack".equals(type) && "subscribe".equals(f.getString("action"))) {
      subscribed.countDown();
      return;
    }
    if ("error".equals(type) && ERRORS.getAndIncrement() < 3) System.err.println("error frame: " + text);
    if (!"event".equals(type)) return;
    JsonObject e = f.getJsonObject("event");
    switch (e.getString("type")) {
      case "delta" -> {
        long micros = Math.max(0, (now - e.getLong("t")) / 1000);
        synchronized (latency) {
          latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
        }
        if (chunks != null) chunks.incrementAndGet();
        if (sentAt[idx] != 0 && e.getString("text").startsWith("chunk 0 ")) {
          synchronized (ttft) {
            ttft.recordValue(Math.min((now - sentAt[idx]) / 1000, ttft.getHighestTrackableValue()));
          }
          sentAt[idx] = 0;
        }
      }
      case "turn_completed" -> {
        completed.countDown();
        firstTurns.countDown();
      }
      default -> { }
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void report(List<Result> results, int chunks, long interval) throws Exception {
    System.out.printf("%nGateway streaming overhead (%d chunks per stream, one every %d ms; µs)%n", chunks, interval);
    System.out.printf("%-8s %10s %10s %10s %10s %12s %12s %12s %12s %10s %10s %10s%n", "streams", "gw p50", "gw p99", "direct p50",
        "direct p99", "added p50", "added p99", "added TTFT50", "chunks/s", "gw RSS MB", "bench MB", "samples");
    JsonArray json = new JsonArray();
    for (Result r : results) {
      long addP50 = r.gateway().getValueAtPercentile(50) - r.direct().getValueAtPercentile(50);
      long addP99 = r.gateway().getValueAtPercentile(99) - r.direct().getValueAtPercentile(99);
      long addTtft = r.gatewayTtft().getValueAtPercentile(50) - r.directTtft().getValueAtPercentile(50);
      System.out.printf("%-8d %10d %10d %10d %10d %12d %12d %12d %12.0f %10d %10d %10d%n", r.streams(),
          r.gateway().getValueAtPercentile(50), r.gateway().getValueAtPercentile(99), r.direct().getValueAtPercentile(50),
          r.direct().getValueAtPercentile(99), addP50, addP99, addTtft, r.chunksPerSecond(), r.gatewayRssKb() / 1024,
          r.benchRssKb() / 1024, r.gateway().getTotalCount());
      json.add(new JsonObject().put("streams", r.streams())
          .put("gatewayMicros", percentiles(r.gateway())).put("directMicros", percentiles(r.direct()))
          .put("addedMicros", new JsonObject().put("p50", addP50).put("p99", addP99))
          .put("ttftMicros", new JsonObject().put("gateway", percentiles(r.gatewayTtft())).put("direct", percentiles(r.directTtft()))
              .put("addedP50", addTtft))
          .put("chunksPerSecond", r.chunksPerSecond())
          .put("rssKb", new JsonObject().put("gateway", r.gatewayRssKb()).put("benchAndUpstream", r.benchRssKb())));
    }
    Path out = Path.of("bench/target/gateway-stream-bench.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, new JsonObject().put("chunksPerStream", chunks).put("intervalMs", interval).put("results", json).encodePrettily());
    System.out.println("JSON written to " + out.toAbsolutePath());
  }

  private static JsonObject percentiles(Histogram h) {
    return new JsonObject().put("p50", h.getValueAtPercentile(50)).put("p90", h.getValueAtPercentile(90))
        .put("p99", h.getValueAtPercentile(99)).put("max", h.getMaxValue()).put("count", h.getTotalCount());
  }
}
