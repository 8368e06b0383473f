package dev.maestro.bench.session;

import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Issue 14's memory goal: heap per live session with a 20-message history. Imports N sessions into
 * PostgreSQL (user messages ~200 characters, assistant answers ~800, every third exchange with a
 * tool call and its result), activates every one of them live in one in-process session-service
 * (the real {@code SessionServiceVerticle}, a provider and tool-service that never get called), forces
 * GC and compares the used heap and the class histogram (DiagnosticCommand {@code gcClassHistogram},
 * live objects) before and after the activation. Prints bytes and live sessions per GB, the top
 * classes per live session, and writes {@code bench/target/sessions-memory[-LABEL].json}.
 * <p>
 * {@code bench sessions-memory [--sessions=N] [--messages=20] [--label=NAME]}; database from
 * {@code MAESTRO_BENCH_PG_URL} (default {@code maestro_bench}, schema {@code session} dropped first).
 * To measure another checkout's session-service in the same way, put its jar first on the class path:
 * {@code java -cp OTHER/session-service-*.jar:bench-fat.jar dev.maestro.bench.session.SessionsMemoryBench}.
 */
public final class SessionsMemoryBench {
  private static final String VERTICLE = "dev.maestro.session.SessionServiceVerticle";
  /** Classes printed; the JSON has {@link #TOP_JSON}. */
  private static final int TOP = 10;
  private static final int TOP_JSON = 40;

  public static void main(String[] args) throws Exception {
    int sessions = 2000;
    int messages = 20;
    String label = "";
    for (String a : args) {
      if (a.startsWith("--sessions=")) sessions = Integer.parseInt(a.substring(11));
      else if (a.startsWith("--messages=")) messages = Integer.parseInt(a.substring(11));
      else if (a.startsWith("--label=")) label = a.substring(8);
      else if (a.equals("--help")) {
        System.out.println("bench sessions-memory [--sessions=2000] [--messages=20] [--label=NAME]");
        return;
      } else throw new IllegalArgumentException("unknown option " + a);
    }
    String pgUrl = System.getenv().getOrDefault("MAESTRO_BENCH_PG_URL",
        System.getProperty("MAESTRO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_bench"));

    Vertx vertx = Vertx.vertx();
    SessionBench.ensureDatabase(vertx, pgUrl);
    SessionBench.dropSchema(vertx, pgUrl);
    new ServiceBinder(vertx).setAddress(ProviderService.ADDRESS).register(ProviderService.class, new SessionBench.TimestampProvider(vertx))
        .completion().await(20, TimeUnit.SECONDS);
    new ServiceBinder(vertx).setAddress(ToolService.ADDRESS).register(ToolService.class, new SessionBench.NoTools())
        .completion().await(20, TimeUnit.SECONDS);
    JsonObject config = TestEnv.config().put(MaestroConfig.PG_URL, pgUrl).put("MAESTRO_SESSION_IDLE_SECONDS", "36000")
        .put("MAESTRO_SESSION_MAX_LIVE_PER_USER", String.valueOf(sessions + 10));
    vertx.deployVerticle(VERTICLE, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    SessionService service = SessionService.createProxy(vertx);
    String user = "bench-" + UUID.randomUUID();

    JsonObject export = export(messages);
    int exportBytes = export.getJsonArray("messages").encode().length();
    List<String> ids = importAll(service, user, export, sessions);
    // one activation before the baseline: classes loaded, pools and caches warm
    String warm = ids.remove(ids.size() - 1);
    service.events(user, warm, 0).await(30, TimeUnit.SECONDS);

    long before = usedHeapAfterGc();
    Map<String, long[]> histBefore = histogram();
    long t0 = System.nanoTime();
    List<Future<JsonObject>> batch = new ArrayList<>();
    for (String id : ids) {
      batch.add(service.events(user, id, 0));
      if (batch.size() == 50) {
        Future.all(batch).await(120, TimeUnit.SECONDS);
        batch.clear();
      }
    }
    Future.all(batch).await(120, TimeUnit.SECONDS);
    long activationMs = (System.nanoTime() - t0) / 1_000_000;
    long after = usedHeapAfterGc();
    Map<String, long[]> histAfter = histogram();
    int live = ids.size();

    long perSession = (after - before) / live;
    long perGb = (1L << 30) / Math.max(1, perSession);
    List<Map.Entry<String, long[]>> diff = new ArrayList<>();
    long histTotal = 0;
    Map<String, Long> groups = new java.util.TreeMap<>();
    for (Map.Entry<String, long[]> e : histAfter.entrySet()) {
      long[] b = histBefore.getOrDefault(e.getKey(), new long[2]);
      long[] d = {e.getValue()[0] - b[0], e.getValue()[1] - b[1]};
      histTotal += d[1];
      groups.merge(group(e.getKey()), d[1], Long::sum);
      if (d[1] > 0) diff.add(Map.entry(e.getKey(), d));
    }
    JsonObject byGroup = new JsonObject();
    groups.forEach((g, bytes) -> byGroup.put(g, bytes / live));
    diff.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));

    JsonArray top = new JsonArray();
    for (Map.Entry<String, long[]> e : diff.subList(0, Math.min(TOP_JSON, diff.size()))) {
      top.add(new JsonObject().put("class", e.getKey()).put("instancesPerSession", (double) e.getValue()[0] / live)
          .put("bytesPerSession", e.getValue()[1] / live));
    }
    JsonObject result = new JsonObject().put("label", label).put("liveSessions", live).put("messagesPerSession", messages)
        .put("historyJsonBytesPerSession", exportBytes).put("activationMillis", activationMs)
        .put("usedHeapBefore", before).put("usedHeapAfter", after)
        .put("bytesPerLiveSession", perSession).put("liveSessionsPerGB", perGb)
        .put("histogramBytesPerLiveSession", histTotal / live)
        .put("bytesPerSessionByGroup", byGroup).put("topClassesPerSession", top)
        .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName()).toList().toString());

    System.out.println();
    System.out.printf("session-service live-session memory%s (%d live sessions, %d messages each, history JSON %,d B)%n",
        label.isEmpty() ? "" : " [" + label + "]", live, messages, exportBytes);
    System.out.println("--------------------------------------------------------------------------------------");
    System.out.printf("heap per live session          %,10d bytes  -> %,8d live sessions per GB (histogram: %,d B)%n",
        perSession, perGb, histTotal / live);
    System.out.printf("activation of %d sessions     %,10d ms%n", live, activationMs);
    System.out.println("by kind of object (bytes per live session): " + byGroup.encode());
    System.out.println("top classes per live session (live objects, after - before):");
    for (int i = 0; i < Math.min(TOP, top.size()); i++) {
      JsonObject t = top.getJsonObject(i);
      System.out.printf("  %,9d B  %7.1f x  %s%n", t.getLong("bytesPerSession"), t.getDouble("instancesPerSession"), t.getString("class"));
    }
    Path out = Path.of("bench/target");
    Files.createDirectories(out);
    Path file = out.resolve("sessions-memory" + (label.isEmpty() ? "" : "-" + label) + ".json");
    Files.writeString(file, result.encodePrettily());
    System.out.println("wrote " + file.toAbsolutePath());
    // no orderly close: passivating thousands of sessions at once only floods the pool's wait queue,
    // and the next run drops the schema anyway
    System.exit(0);
  }

  /** Which part of a live session a class belongs to, roughly (JDK collections count as "java"). */
  static String group(String cls) {
    if (cls.equals("[B")) return "byte[] (text, held messages, strings)";
    if (cls.startsWith("dev.maestro.")) return "dev.maestro (session parts)";
    if (cls.startsWith("io.vertx.core.json.")) return "io.vertx JSON trees";
    if (cls.startsWith("io.vertx.core.eventbus.")) return "io.vertx event bus (consumers)";
    if (cls.startsWith("io.vertx.")) return "io.vertx other (deployment, context, timers)";
    if (cls.startsWith("io.netty.")) return "io.netty (timers, buffers)";
    return "java (maps, lists, strings, boxes)";
  }

  /** A coding conversation: questions ~200 chars, answers ~800, a tool call and result every third exchange. */
  static JsonObject export(int count) {
    JsonArray msgs = new JsonArray();
    int exchange = 0;
    while (msgs.size() < count) {
      msgs.add(message("user", new JsonArray().add(text("Question " + exchange + ": " + filler(190))), null));
      if (msgs.size() >= count) break;
      if (exchange % 3 == 1 && msgs.size() + 3 <= count) {
        String callId = "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        msgs.add(message("assistant", new JsonArray().add(text("Let me look at the file first.")).add(new JsonObject()
            .put("type", "tool_call").put("callId", callId).put("name", "read_file")
            .put("arguments", new JsonObject().put("path", "src/main/java/dev/example/Service" + exchange + ".java"))), usage(exchange)));
        msgs.add(message("tool", new JsonArray().add(new JsonObject().put("type", "tool_result").put("callId", callId)
            .put("content", new JsonArray().add(text(filler(600)))).put("isError", false)), null));
      }
      msgs.add(message("assistant", new JsonArray().add(text("Answer " + exchange + ": " + filler(790))), usage(exchange)));
      exchange++;
    }
    return new JsonObject().put("format", "maestro.session.v1").put("session", new JsonObject()
        .put("title", "memory bench").put("provider", "bench").put("model", "bench").put("tools", new JsonArray()))
        .put("messages", msgs);
  }

  private static JsonObject message(String role, JsonArray content, JsonObject usage) {
    return new JsonObject().put("role", role).put("status", "complete").put("content", content).put("usage", usage);
  }

  private static JsonObject text(String t) {
    return new JsonObject().put("type", "text").put("text", t);
  }

  private static JsonObject usage(int i) {
    return new JsonObject().put("inputTokens", 400 + i * 350).put("outputTokens", 200).put("costUsd", 0.0012);
  }

  private static String filler(int n) {
    String words = "the handler returns a future that completes when the row is stored and the event is published ";
    StringBuilder sb = new StringBuilder(n);
    while (sb.length() < n) sb.append(words);
    return sb.substring(0, n);
  }

  private static List<String> importAll(SessionService service, String user, JsonObject export, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    List<Future<JsonObject>> batch = new ArrayList<>();
    for (int i = 0; i <= count; i++) { // one more: the warm-up session
      batch.add(service.importSession(user, export));
      if (batch.size() == 20 || i == count) {
        for (Future<JsonObject> f : batch) ids.add(f.await(60, TimeUnit.SECONDS).getString("id"));
        batch.clear();
      }
    }
    return ids;
  }

  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** class name -> {instances, bytes} of live objects (the histogram forces a full GC itself). */
  static Map<String, long[]> histogram() throws Exception {
    String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
        "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
    Map<String, long[]> map = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4 || !f[0].endsWith(":")) continue;
      map.merge(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])}, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    }
    return map;
  }
}
