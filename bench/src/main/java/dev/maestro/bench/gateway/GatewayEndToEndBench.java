package dev.maestro.bench.gateway;

import dev.maestro.bench.floor.BareChain;
import dev.maestro.bench.system.ServiceLauncher;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end streaming overhead of the whole system, in each mode of {@code --modes} (five processes as
 * {@code up}, one JVM as {@code up --single}), ending with issue 14's goal table ({@link GoalTable}) next to
 * a bare relay hop's floor ({@link BareRelay}). Starts the five service fat jars as separate
 * processes exactly as {@code deploy/maestro} does ({@link ServiceLauncher}: the flags of {@code deploy/jvm-flags}), clustered on a random cluster
 * name, with real PostgreSQL and Redis; this JVM runs the testkit {@link FakeUpstream} (OpenAI Chat
 * Completions, paced, every text chunk stamped at write time with epoch microseconds) and the
 * clients. The parts: {@link E2eSettings}, {@link SystemFixture} (database, environment, API set-up),
 * {@link StreamPaths} (the two measured paths), {@link Phase}, {@link ProcessSampler}, {@link E2eReport}.
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
 * [--levels=1,100,1000] [--chunks=20] [--interval-ms=20] [--warmup=100] [--rounds=N] | --help}. Each level runs
 * {@code --rounds} rounds (default 200/N, between 1 and 20), alternating baseline and system. Environment:
 * {@code MAESTRO_BENCH_PG_URL} (default {@code postgresql://postgres@127.0.0.1:5432/maestro_bench}; its
 * Maestro schemas are dropped first), {@code MAESTRO_BENCH_REDIS_URL} (default
 * {@code redis://127.0.0.1:6379/10}), {@code MAESTRO_JAVA_OPTS} (as for the launcher).
 */
public final class GatewayEndToEndBench {
  private GatewayEndToEndBench() {}

  public static void main(String[] args) throws Exception {
    E2eSettings s;
    try {
      s = E2eSettings.parse(args);
    } catch (E2eSettings.HelpRequested help) {
      System.out.println(E2eSettings.USAGE);
      return;
    } catch (IllegalArgumentException bad) {
      System.err.println(bad.getMessage());
      System.exit(2);
      return;
    }
    Path root = ServiceLauncher.findRoot();
    Path jarsRoot = s.jars() == null ? root : Path.of(s.jars()).toAbsolutePath().normalize();
    ServiceLauncher.ensureJars(jarsRoot);
    String pgUrl = env("MAESTRO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_bench");
    String redisUrl = env("MAESTRO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10");

    // the fake upstream on its own Vert.x (one event loop), the floor relay on another, the clients on a third
    Vertx upstreamVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Vertx relayVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Vertx vertx = Vertx.vertx();
    FakeUpstream fake = FakeUpstream.start(upstreamVertx, 0).await(20, TimeUnit.SECONDS).recording(false);
    int relayPort = !s.floor("hop") ? -1
        : BareRelay.start(relayVertx, fake.port(), Math.max(s.maxLevel(), s.warmup())).await(20, TimeUnit.SECONDS).actualPort();
    List<GoalTable.ModeRun> runs = new ArrayList<>();
    int exit = 0;
    try {
      for (String mode : s.modes()) {
        GoalTable.ModeRun run = runMode(mode, s, root, jarsRoot, pgUrl, redisUrl, vertx, fake, relayPort);
        if (run == null) {
          exit = 1;
          break;
        }
        runs.add(run);
      }
      if (!runs.isEmpty()) GoalTable.print(root, s, runs);
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
      relayVertx.close().await(20, TimeUnit.SECONDS);
      upstreamVertx.close().await(20, TimeUnit.SECONDS);
    }
    System.exit(exit);
  }

  /**
   * Settings for the services under test, e.g. {@code MAESTRO_SESSION_ADMISSION_IN_FLIGHT=16,...}: the
   * services get only the bench's own MAESTRO_* environment, so a setting to compare is named here.
   */
  static Map<String, String> extraServiceEnv(String spec) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    if (spec == null || spec.isBlank()) return env;
    for (String pair : spec.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || !pair.trim().startsWith("MAESTRO_")) {
        throw new IllegalArgumentException("MAESTRO_BENCH_SERVICE_ENV: expected MAESTRO_NAME=value[,...], got '" + pair + "'");
      }
      env.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return env;
  }

  /**
   * One mode's whole run: a fresh database and system (five processes, or one for {@code single}),
   * warm-up, the levels, its own table and JSON; answers null when it failed (after stopping the system).
   */
  static GoalTable.ModeRun runMode(String mode, E2eSettings all, Path root, Path jarsRoot, String pgUrl, String redisUrl, Vertx vertx,
                                   FakeUpstream fake, int relayPort) throws Exception {
    E2eSettings s = all.withLabel(all.labelOf(mode));
    System.out.printf("%n===== mode %s: %s =====%n", mode, "single".equals(mode) ? "the five services in one JVM (up --single)"
        : "five service processes (up)");
    SystemFixture.freshDatabase(vertx, pgUrl);
    Path data = Files.createTempDirectory("maestro-e2e-bench-");
    int httpPort = freePort();
    ServiceLauncher services = new ServiceLauncher(root, data).jarsFrom(jarsRoot);
    Phase.printWindows = s.jfr();
    if (s.jfr()) {
      Path jfrDir = root.resolve("bench/target/jfr/" + s.label());
      Files.createDirectories(jfrDir);
      System.out.println("JFR recordings (written when the services stop): " + jfrDir);
      services.extraJvmOptions(svc -> List.of("-XX:StartFlightRecording=filename=" + jfrDir.resolve(svc + ".jfr")
          + ",settings=profile,method-profiling=" + s.jfrProfiling() + ",dumponexit=true"));
    }
    Thread stopper = new Thread(services::stopAll, "bench-stop-services");
    Runtime.getRuntime().addShutdownHook(stopper);
    ProcessSampler rss = new ProcessSampler();
    // the bare chain's JVMs have a sampler of their own: a phase's CPU is then only its own system's
    ProcessSampler chainCpu = new ProcessSampler();
    ServiceLauncher chainJvms = new ServiceLauncher(root, data);
    if (s.jfr()) {
      Path jfrDir = root.resolve("bench/target/jfr/" + s.label());
      chainJvms.extraJvmOptions(p -> List.of("-XX:StartFlightRecording=filename=" + jfrDir.resolve(p + ".jfr")
          + ",settings=profile,method-profiling=" + s.jfrProfiling() + ",dumponexit=true"));
    }
    Thread chainStopper = new Thread(chainJvms::stopAll, "bench-stop-floor-chain");
    Runtime.getRuntime().addShutdownHook(chainStopper);
    List<E2eReport.Level> results = new ArrayList<>();
    try {
      System.out.println("services (jars of " + jarsRoot + "): logs in " + data);
      long t = System.currentTimeMillis();
      Map<String, String> env = SystemFixture.serviceEnv(pgUrl, redisUrl, httpPort, data, s.maxLevel(), ServiceLauncher.SERVICES.size());
      env.put("MAESTRO_ALLOWED_PRIVATE_HOSTS", "127.0.0.1:" + fake.port());   // the fake upstream is on loopback
      env.put("MAESTRO_SESSION_MAX_TURNS_PER_USER", String.valueOf(Math.max(s.maxLevel(), s.warmup()) + 16)); // one bench user
      env.putAll(extraServiceEnv(System.getenv("MAESTRO_BENCH_SERVICE_ENV")));
      if (s.hops()) env.put(dev.maestro.platform.HopStamps.ENV, "true");
      if ("single".equals(mode)) services.startSingle(env);
      else services.startAll(env);
      services.processes().forEach((svc, p) -> rss.watch(svc, p.pid()));
      rss.watch("bench+fake", ProcessHandle.current().pid());
      WebClient http = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(32)));
      services.awaitHealthy(http, httpPort);
      long upMs = System.currentTimeMillis() - t;
      System.out.printf("system UP in %d ms%n", upMs);
      String token = SystemFixture.mintToken(http, httpPort);
      String credentialId = SystemFixture.createCredential(http, httpPort, token, fake.openAiBaseUrl());
      int sessionCount = Math.max(s.maxLevel(), s.warmup());
      List<String> sessions = SystemFixture.createSessions(http, httpPort, token, credentialId, sessionCount);
      HttpClient direct = vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true)
          .setDefaultHost("127.0.0.1").setDefaultPort(fake.port()), new PoolOptions().setHttp1MaxSize(sessionCount + 16));
      HttpClient relay = relayPort < 0 ? null : vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true)
          .setDefaultHost("127.0.0.1").setDefaultPort(relayPort), new PoolOptions().setHttp1MaxSize(sessionCount + 16));
      HttpClient door = vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true)
          .setDefaultHost("127.0.0.1").setDefaultPort(httpPort), new PoolOptions().setHttp1MaxSize(sessionCount + 16));
      rss.start();
      BareChain chain = null;
      List<String> chainStreams = BareChain.streams(sessionCount);
      if (s.floor("chain")) {
        long c0 = System.currentTimeMillis();
        // its own cluster, 60 ports above Maestro's (whose members auto-increment over up to 50)
        Map<String, String> chainEnv = BareChain.env(pgUrl, dev.maestro.testkit.TestClusterKey.settings(), SystemFixture.CLUSTER_PORT + 60,
            3, data, fake.port(), sessionCount);
        chain = BareChain.start(chainJvms, "single".equals(mode), chainEnv, http);
        chain.processes().forEach((p, proc) -> chainCpu.watch(p, proc.pid()));
        chainCpu.start();
        System.out.printf("floor: bare chain (%s) UP in %d ms%n", String.join(", ", chain.processes().keySet()), System.currentTimeMillis() - c0);
      }
      int chainPort = chain == null ? -1 : chain.httpPort();

      // every session a level uses has had a turn (activated, owner known, JIT warmed on its path)
      System.out.printf("warming all %d sessions (one turn each) ...%n", sessionCount);
      StreamPaths.baseline(direct, fake, s, new Phase("warm-baseline", sessionCount));
      if (relay != null) StreamPaths.relay(relay, fake, s, new Phase("warm-relay", sessionCount));
      if (chain != null) StreamPaths.system(vertx, fake, s, new Phase("warm-chain", sessionCount), chainPort, "none", chainStreams);
      StreamPaths.system(vertx, fake, s, new Phase("warm-sessions", sessionCount), httpPort, token, sessions);
      if (s.warmup() > 0) {
        System.out.printf("warm-up: %d streams on each path, twice ...%n", s.warmup());
        for (int r = 0; r < 2; r++) {
          StreamPaths.baseline(direct, fake, s, new Phase("warmup-baseline", s.warmup()));
          StreamPaths.system(vertx, fake, s, new Phase("warmup-system", s.warmup()), httpPort, token, sessions);
          StreamPaths.openAiDoor(door, fake, s, new Phase("warmup-openai", s.warmup()), token);
          if (chain != null) StreamPaths.system(vertx, fake, s, new Phase("warmup-chain", s.warmup()), chainPort, "none", chainStreams);
        }
      }
      Thread.sleep(1000);
      Map<String, Long> idleRss = rss.snapshotAndReset();
      Map<String, Long> idle0 = rss.cpuMs();
      // the bare chain idles in the same window: the floor of what clustered JVMs cost doing nothing
      Map<String, Long> chainIdle0 = chain == null ? Map.of() : chainCpu.cpuMs();
      long i0 = System.nanoTime();
      Thread.sleep(s.idleSeconds() * 1000L);
      Map<String, Long> idle1 = rss.cpuMs();
      Map<String, Long> chainIdle1 = chain == null ? Map.of() : chainCpu.cpuMs();
      double idleSec = (System.nanoTime() - i0) / 1e9;
      Map<String, Double> idleCpu = new java.util.LinkedHashMap<>();
      idle1.forEach((k, v) -> idleCpu.put(k, (v - idle0.getOrDefault(k, v)) / idleSec));
      Map<String, Double> chainIdleCpu = new java.util.LinkedHashMap<>();
      chainIdle1.forEach((k, v) -> chainIdleCpu.put(k, (v - chainIdle0.getOrDefault(k, v)) / idleSec));
      if (!chainIdleCpu.isEmpty()) {
        System.out.printf("idle: bare chain %.1f ms CPU/s over %d JVM(s) %s%n",
            chainIdleCpu.values().stream().mapToDouble(Double::doubleValue).sum(), chainIdleCpu.size(), chainIdleCpu);
      }

      for (int n : s.levels()) {
        Phase b = new Phase("baseline@" + n, n);
        Phase floor = relay == null ? null : new Phase("relay@" + n, n);
        Phase chainSys = chain == null ? null : new Phase("chain@" + n, n);
        Phase chainTurns = chain == null ? null : new Phase("chain-turns@" + n, n);
        Phase sys = new Phase("system@" + n, n);
        Phase openAi = new Phase("openai@" + n, n);
        Phase turns = new Phase("turns@" + n, n);
        int rounds = s.roundsAt(n);
        System.out.printf("level %d: %d round(s) of baseline, %ssystem, one-chunk turns, OpenAI door%s ...%n", n, rounds,
            floor == null ? "" : "relay floor, ", chain == null ? "" : ", bare chain and its one-chunk turns");
        for (int r = 0; r < rounds; r++) {
          rss.snapshotAndReset();
          Map<String, Long> cpu0 = rss.cpuMs();
          StreamPaths.baseline(direct, fake, s, b);
          b.cpu(cpu0, rss.cpuMs());
          b.peak(rss.snapshotAndReset());
          Thread.sleep(300);
          if (floor != null) {
            StreamPaths.relay(relay, fake, s, floor);
            Thread.sleep(300);
          }
          rss.snapshotAndReset();
          cpu0 = rss.cpuMs();
          StreamPaths.system(vertx, fake, s, sys, httpPort, token, sessions);
          sys.cpu(cpu0, rss.cpuMs());
          sys.peak(rss.snapshotAndReset());
          Thread.sleep(300);
          // the same turns with one chunk: what a turn costs apart from its chunks
          cpu0 = rss.cpuMs();
          StreamPaths.system(vertx, fake, s.withChunks(1), turns, httpPort, token, sessions);
          turns.cpu(cpu0, rss.cpuMs());
          turns.peak(rss.snapshotAndReset());
          Thread.sleep(300);
          cpu0 = rss.cpuMs();
          StreamPaths.openAiDoor(door, fake, s, openAi, token);
          openAi.cpu(cpu0, rss.cpuMs());
          openAi.peak(rss.snapshotAndReset());
          Thread.sleep(300);
          if (chain != null) {
            // the bare chain: the same two phases as Maestro's (streams, then one-chunk turns), CPU of its own JVMs
            chainCpu.snapshotAndReset();
            cpu0 = chainCpu.cpuMs();
            StreamPaths.system(vertx, fake, s, chainSys, chainPort, "none", chainStreams);
            chainSys.cpu(cpu0, chainCpu.cpuMs());
            chainSys.peak(chainCpu.snapshotAndReset());
            Thread.sleep(300);
            cpu0 = chainCpu.cpuMs();
            StreamPaths.system(vertx, fake, s.withChunks(1), chainTurns, chainPort, "none", chainStreams);
            chainTurns.cpu(cpu0, chainCpu.cpuMs());
            chainTurns.peak(chainCpu.snapshotAndReset());
            Thread.sleep(300);
          }
        }
        E2eReport.Level chainLevel = chain == null ? null : new E2eReport.Level(n, b, chainSys, chainTurns);
        results.add(new E2eReport.Level(n, b, sys, turns, openAi, floor, chainLevel));
        System.out.printf("level %d: chunk p50 baseline %d µs, relay %s µs, chain %s µs, system %d µs (%d/%d chunks, %d errors)%n", n,
            b.chunk.getValueAtPercentile(50), floor == null ? "-" : floor.chunk.getValueAtPercentile(50),
            chainSys == null ? "-" : chainSys.chunk.getValueAtPercentile(50), sys.chunk.getValueAtPercentile(50), sys.chunks,
            (long) n * s.chunks() * rounds, sys.errors.get() + b.errors.get() + turns.errors.get());
        Thread.sleep(1000);
      }
      direct.close();
      if (relay != null) relay.close();
      door.close();
      E2eReport.write(root, s, results, idleRss, idleCpu, upMs, jarsRoot.toString(),
          services.flags().javaOpts("single".equals(mode) ? "single" : "session", System.getenv("MAESTRO_JAVA_OPTS")));
      return new GoalTable.ModeRun(mode, results, idleRss, idleCpu, upMs, chainIdleCpu);
    } catch (Throwable e) {
      e.printStackTrace();
      System.err.println("service logs: " + data);
      return null;
    } finally {
      rss.stop();
      chainCpu.stop();
      chainJvms.stopAll();
      services.stopAll();
      try {
        Runtime.getRuntime().removeShutdownHook(chainStopper);
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException ignored) {
        // already shutting down
      }
    }
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
}
