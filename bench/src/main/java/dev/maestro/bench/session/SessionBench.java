package dev.maestro.bench.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Session-service figures: live sessions per GB of heap, activation time from PostgreSQL for a
 * 200-message history, and the latency a session adds to each streamed delta (provider event in →
 * session event out, minus a bare event-bus hop). Runs session-service in this JVM (it must be on
 * the classpath) against PostgreSQL database {@code maestro_bench}, with an in-process provider
 * that streams timestamps. Prints a table and writes bench/target/session-bench.json.
 */
public final class SessionBench {
  private static final String VERTICLE = "dev.maestro.session.SessionServiceVerticle";

  public static void main(String[] args) throws Exception {
    int smallSessions = Integer.getInteger("sessions.small", 1000);
    int bigSessions = Integer.getInteger("sessions.big", 100);
    int deltas = Integer.getInteger("deltas", 5000);
    String pgUrl = System.getProperty("MAESTRO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_bench");

    Vertx vertx = Vertx.vertx();
    ensureDatabase(vertx, pgUrl);
    dropSchema(vertx, pgUrl);
    TimestampProvider provider = new TimestampProvider(vertx);
    new ServiceBinder(vertx).setAddress(ProviderService.ADDRESS).register(ProviderService.class, provider).completion().await(20, TimeUnit.SECONDS);
    new ServiceBinder(vertx).setAddress(ToolService.ADDRESS).register(ToolService.class, new NoTools()).completion().await(20, TimeUnit.SECONDS);
    // every session belongs to one user and stays live: the per-user live-session cap must fit them all
    JsonObject config = TestEnv.config().put(MaestroConfig.PG_URL, pgUrl).put("MAESTRO_SESSION_IDLE_SECONDS", "3600")
        .put("MAESTRO_SESSION_MAX_LIVE_PER_USER", String.valueOf(smallSessions + 2 * bigSessions + 10));
    vertx.deployVerticle(VERTICLE, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    SessionService sessions = SessionService.createProxy(vertx);
    String user = "bench-" + UUID.randomUUID();
    JsonObject results = new JsonObject();

    // ---- activation of a 200-message history
    List<String> big = importSessions(sessions, user, bigSessions, 200);
    Histogram activation = new Histogram(3);
    Histogram warm = new Histogram(3);
    for (String id : big) {
      long t0 = System.nanoTime();
      sessions.events(user, id, 0).await(30, TimeUnit.SECONDS);
      long t1 = System.nanoTime();
      sessions.events(user, id, 0).await(30, TimeUnit.SECONDS);
      long t2 = System.nanoTime();
      activation.recordValue((t1 - t0) / 1000);
      warm.recordValue((t2 - t1) / 1000);
    }
    results.put("activation200", stats(activation)).put("warmCall", stats(warm));

    // ---- heap per live session: 200-message histories (already live) and 20-message ones
    long before = usedHeapAfterGc();
    List<String> small = importSessions(sessions, user, smallSessions, 20);
    long mid = usedHeapAfterGc();
    List<Future<JsonObject>> acts = new ArrayList<>();
    for (String id : small) {
      acts.add(sessions.events(user, id, 0));
      if (acts.size() == 50) {
        Future.all(acts).await(60, TimeUnit.SECONDS);
        acts.clear();
      }
    }
    Future.all(acts).await(60, TimeUnit.SECONDS);
    long after = usedHeapAfterGc();
    double perSmall = (double) (after - mid) / smallSessions;
    // the big ones: passivate-free estimate = measured by activating another batch
    List<String> big2 = importSessions(sessions, user, bigSessions, 200);
    long b0 = usedHeapAfterGc();
    for (String id : big2) sessions.events(user, id, 0).await(30, TimeUnit.SECONDS);
    long b1 = usedHeapAfterGc();
    double perBig = (double) (b1 - b0) / bigSessions;
    results.put("heap", new JsonObject().put("bytesPerLiveSession20Messages", (long) perSmall)
        .put("liveSessionsPerGB20Messages", (1L << 30) / Math.max(1, (long) perSmall))
        .put("bytesPerLiveSession200Messages", (long) perBig)
        .put("liveSessionsPerGB200Messages", (1L << 30) / Math.max(1, (long) perBig))
        .put("baselineHeapBytes", before));

    // ---- latency added per delta
    Histogram hop = baselineHop(vertx, deltas);
    String id = sessions.create(user, new JsonObject().put("title", "latency").put("provider", "bench").put("model", "bench")
        .put("tools", new JsonArray())).await(10, TimeUnit.SECONDS).getString("id");
    Histogram session = new Histogram(3);
    CountDownLatch done = new CountDownLatch(1);
    // followed through the node inbox, as a gateway follows (issue 14)
    dev.maestro.platform.SessionInbox.Follow sub = dev.maestro.platform.SessionInbox.of(vertx).follow(user, id, ev -> {
      JsonObject e = dev.maestro.contracts.session.SessionEvents.read(ev.bytes()).getJsonObject("event");
      if ("delta".equals(e.getString("type"))) session.recordValue((System.nanoTime() - Long.parseLong(e.getString("text"))) / 1000);
      if ("turn_completed".equals(e.getString("type"))) done.countDown();
    });
    sub.ready().await(10, TimeUnit.SECONDS);
    provider.deltas = deltas;
    sessions.send(user, id, "stream").await(10, TimeUnit.SECONDS);
    if (!done.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("the turn did not complete");
    results.put("deltaViaSession", stats(session)).put("deltaBareHop", stats(hop))
        .put("addedLatencyP50Micros", session.getValueAtPercentile(50) - hop.getValueAtPercentile(50))
        .put("addedLatencyP99Micros", session.getValueAtPercentile(99) - hop.getValueAtPercentile(99));

    print(results, smallSessions, bigSessions, deltas);
    Path out = Path.of("bench/target");
    Files.createDirectories(out);
    Files.writeString(out.resolve("session-bench.json"), results.encodePrettily());
    System.out.println("wrote " + out.resolve("session-bench.json").toAbsolutePath());
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private static List<String> importSessions(SessionService sessions, String user, int count, int messages) throws Exception {
    JsonArray msgs = new JsonArray();
    for (int i = 0; i < messages; i++) {
      boolean userTurn = i % 2 == 0;
      msgs.add(new JsonObject().put("role", userTurn ? "user" : "assistant").put("status", "complete")
          .put("content", new JsonArray().add(new JsonObject().put("type", "text")
              .put("text", (userTurn ? "Question " : "Answer ") + i + ": " + "lorem ipsum dolor sit amet ".repeat(12))))
          .put("usage", userTurn ? null : new JsonObject().put("inputTokens", 100 + i * 80).put("outputTokens", 80)));
    }
    JsonObject export = new JsonObject().put("format", "maestro.session.v1").put("session", new JsonObject()
        .put("title", "bench").put("provider", "bench").put("model", "bench").put("tools", new JsonArray())).put("messages", msgs);
    List<String> ids = new ArrayList<>();
    List<Future<JsonObject>> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      batch.add(sessions.importSession(user, export));
      if (batch.size() == 20 || i == count - 1) {
        for (Future<JsonObject> f : batch) ids.add(f.await(60, TimeUnit.SECONDS).getString("id"));
        batch.clear();
      }
    }
    return ids;
  }

  private static Histogram baselineHop(Vertx vertx, int n) throws Exception {
    Histogram h = new Histogram(3);
    CountDownLatch latch = new CountDownLatch(n);
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer("bench.hop", m -> {
      h.recordValue((System.nanoTime() - m.body().getLong("t")) / 1000);
      latch.countDown();
    });
    c.completion().await(10, TimeUnit.SECONDS);
    Promise<Void> p = Promise.promise();
    vertx.runOnContext(v -> sendPaced(vertx, n, i -> vertx.eventBus().send("bench.hop", new JsonObject().put("t", System.nanoTime())), p));
    latch.await(60, TimeUnit.SECONDS);
    c.unregister();
    return h;
  }

  /** Deltas per millisecond: a fast model streams a few hundred a second; the default is 2000/s. */
  static final int PER_TICK = Integer.getInteger("deltasPerMs", 2);

  /** n sends, PER_TICK per millisecond tick, so the numbers measure latency rather than a queue. */
  static void sendPaced(Vertx vertx, int n, java.util.function.IntConsumer send, Promise<Void> done) {
    int[] sent = {0};
    vertx.setPeriodic(1, id -> {
      for (int k = 0; k < PER_TICK && sent[0] < n; k++) send.accept(sent[0]++);
      if (sent[0] >= n) {
        vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
  }

  private static JsonObject stats(Histogram h) {
    return new JsonObject().put("count", h.getTotalCount()).put("p50Micros", h.getValueAtPercentile(50))
        .put("p90Micros", h.getValueAtPercentile(90)).put("p99Micros", h.getValueAtPercentile(99)).put("maxMicros", h.getMaxValue());
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(150);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void print(JsonObject r, int small, int big, int deltas) {
    System.out.println();
    System.out.println("session-service benchmark (one JVM, PostgreSQL on loopback, " + Runtime.getRuntime().availableProcessors() + " cores)");
    System.out.println("-------------------------------------------------------------------------------");
    JsonObject a = r.getJsonObject("activation200");
    JsonObject w = r.getJsonObject("warmCall");
    System.out.printf("activation, 200-message history (%d sessions)   p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms%n", big,
        a.getLong("p50Micros") / 1000.0, a.getLong("p99Micros") / 1000.0, a.getLong("maxMicros") / 1000.0);
    System.out.printf("same call on the live session                    p50 %6.1f ms  p99 %6.1f ms%n",
        w.getLong("p50Micros") / 1000.0, w.getLong("p99Micros") / 1000.0);
    JsonObject hp = r.getJsonObject("heap");
    System.out.printf("heap per live session, 20 messages (%d)        %8d bytes  -> %7d sessions/GB%n", small,
        hp.getLong("bytesPerLiveSession20Messages"), hp.getLong("liveSessionsPerGB20Messages"));
    System.out.printf("heap per live session, 200 messages (%d)        %8d bytes  -> %7d sessions/GB%n", big,
        hp.getLong("bytesPerLiveSession200Messages"), hp.getLong("liveSessionsPerGB200Messages"));
    JsonObject s = r.getJsonObject("deltaViaSession");
    JsonObject b = r.getJsonObject("deltaBareHop");
    System.out.printf("delta provider -> session -> subscriber (%d)   p50 %6d us   p99 %6d us%n", deltas,
        s.getLong("p50Micros"), s.getLong("p99Micros"));
    System.out.printf("bare event-bus hop (%d)                          p50 %6d us   p99 %6d us%n", deltas,
        b.getLong("p50Micros"), b.getLong("p99Micros"));
    System.out.printf("latency the session adds per delta               p50 %6d us   p99 %6d us%n",
        r.getLong("addedLatencyP50Micros"), r.getLong("addedLatencyP99Micros"));
  }

  static void ensureDatabase(Vertx vertx, String pgUrl) throws Exception {
    PgConnectOptions target = PgConnectOptions.fromUri(pgUrl);
    Pool admin = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions(target).setDatabase("postgres")).using(vertx).build();
    try {
      boolean exists = admin.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1")
          .execute(io.vertx.sqlclient.Tuple.of(target.getDatabase())).await(10, TimeUnit.SECONDS).size() > 0;
      if (!exists) admin.query("CREATE DATABASE \"" + target.getDatabase().replace("\"", "") + "\"").execute().await(20, TimeUnit.SECONDS);
    } finally {
      admin.close();
    }
  }

  static void dropSchema(Vertx vertx, String pgUrl) throws Exception {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(PgConnectOptions.fromUri(pgUrl)).using(vertx).build();
    try {
      pool.query("DROP SCHEMA IF EXISTS session CASCADE").execute().await(20, TimeUnit.SECONDS);
    } finally {
      pool.close();
    }
  }

  /** A provider whose deltas carry the nanoTime at which they were sent. */
  static final class TimestampProvider implements ProviderService {
    private final Vertx vertx;
    volatile int deltas;

    TimestampProvider(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public Future<Void> stream(JsonObject request, String replyAddress, String streamId) {
      Promise<Void> sent = Promise.promise();
      sendPaced(vertx, deltas, i -> vertx.eventBus().send(replyAddress, ProviderEvents.text(streamId, String.valueOf(System.nanoTime()))), sent);
      sent.future().onSuccess(v -> {
        vertx.eventBus().send(replyAddress, ProviderEvents.usage(streamId, 10, deltas, 0, 0));
        vertx.eventBus().send(replyAddress, ProviderEvents.done(streamId, "end_turn"));
      });
      return Future.succeededFuture();
    }

    @Override public Future<Void> cancel(String streamId) { return Future.succeededFuture(); }
    @Override public Future<List<JsonObject>> listModels(String provider, String credentialId) { return Future.succeededFuture(List.of()); }
    @Override public Future<JsonObject> validateCredential(String credentialId) { return Future.succeededFuture(new JsonObject()); }
  }

  static final class NoTools implements dev.maestro.testkit.services.NoMcpServers {
  
  
  
  
  
    @Override public Future<List<JsonObject>> listTools() { return Future.succeededFuture(List.of()); }
    @Override public Future<List<JsonObject>> toolsForSession(String sessionId, List<String> names) { return Future.succeededFuture(List.of()); }
    @Override public Future<JsonObject> updateTool(String name, JsonObject patch) { return Future.succeededFuture(new JsonObject()); }
    @Override public Future<JsonObject> execute(JsonObject call) { return Future.succeededFuture(new JsonObject()); }
    @Override public Future<Void> cancelCall(String sessionId, String callId) { return Future.succeededFuture(); }
    @Override public Future<List<JsonObject>> listMcpServers() { return Future.succeededFuture(List.of()); }
    @Override public Future<JsonObject> createMcpServer(JsonObject server) { return Future.succeededFuture(server); }
    @Override public Future<JsonObject> getMcpServer(String serverId) { return Future.succeededFuture(new JsonObject()); }
    @Override public Future<JsonObject> updateMcpServer(String serverId, JsonObject patch) { return Future.succeededFuture(patch); }
    @Override public Future<Void> deleteMcpServer(String serverId) { return Future.succeededFuture(); }
    @Override public Future<JsonObject> restartMcpServer(String serverId) { return Future.succeededFuture(new JsonObject()); }
  }
}
