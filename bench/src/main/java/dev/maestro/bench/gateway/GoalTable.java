package dev.maestro.bench.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Issue 14's goal table: per level, the goal, then each mode's measured row (five processes as
 * {@code up}, one as {@code up --single}) and the floor of that run (a bare Vert.x relay hop, {@link BareRelay}).
 * Added latency = each chunk's latency − the direct baseline's median (µs); CPU = the services' processes.
 */
final class GoalTable {
  /** One mode's run: its levels, idle figures and start time. */
  record ModeRun(String mode, List<E2eReport.Level> levels, Map<String, Long> idleRss, Map<String, Double> idleCpu, long upMs,
                 Map<String, Double> floorIdleCpu) {
    /** Idle CPU (ms/s) of Maestro's service processes, the bench's own left out. */
    double idleServices() {
      return idleCpu.entrySet().stream().filter(e -> !e.getKey().startsWith("bench")).mapToDouble(Map.Entry::getValue).sum();
    }

    /** Idle CPU (ms/s) per service JVM: Maestro's, then the bare chain's (NaN without a chain). */
    double idlePerJvm() {
      long jvms = idleCpu.keySet().stream().filter(k -> !k.startsWith("bench")).count();
      return jvms == 0 ? Double.NaN : idleServices() / jvms;
    }

    double floorIdlePerJvm() {
      return floorIdleCpu.isEmpty() ? Double.NaN
          : floorIdleCpu.values().stream().mapToDouble(Double::doubleValue).sum() / floorIdleCpu.size();
    }
  }

  /** Issue 14's goals (µs) by level; chunk p50, chunk p99, TTFT p50 (-1: none set). */
  static long[] goal(int streams) {
    return switch (streams) {
      case 1 -> new long[] {300, 1_000, 1_000};
      case 100 -> new long[] {500, 2_000, 5_000};
      case 1000 -> new long[] {1_000, 10_000, -1};
      default -> new long[] {-1, -1, -1};
    };
  }

  static final long GOAL_CPU_PER_CHUNK_MICROS = 25;
  static final long GOAL_CPU_PER_TURN_MICROS = 1_000;
  static final double GOAL_IDLE_CPU_MS_PER_SECOND = 10;

  private GoalTable() {}

  /** One measured row of the table: added latency (µs, over the direct baseline's median), CPU per chunk and per turn (µs). */
  record Row(long addedP50, long addedP99, long addedTtftP50, long cpuPerChunk, long cpuPerTurn, long steadyP50, long steadyP99) {
    /** The same arithmetic for Maestro's rows and the bare chain's: a level's streams and one-chunk turns phases. */
    static Row of(E2eReport.Level l, int chunks) {
      Histogram added = l.system().addedOver(l.baseline());
      Histogram steady = l.system().steadyAddedOver(l.baseline());
      boolean none = steady.getTotalCount() == 0;
      return new Row(added.getValueAtPercentile(50), added.getValueAtPercentile(99),
          l.system().ttft.getValueAtPercentile(50) - l.baseline().ttft.getValueAtPercentile(50),
          Math.round(l.cpuPerChunkMicros(chunks)), Math.round(l.cpuPerTurnMicros()),
          none ? -1 : steady.getValueAtPercentile(50), none ? -1 : steady.getValueAtPercentile(99));
    }
  }

  /**
   * How many times the floor Maestro costs, one decimal ("×3.4"); "—" when the floor measured nothing
   * (≤ 0: an added latency within the baseline's noise, or CPU under the 10 ms /proc tick), so no ratio is invented.
   */
  static String ratio(long maestro, long floor) {
    if (floor <= 0 || maestro < 0) return "—";
    return String.format(java.util.Locale.ROOT, "×%.1f", (double) maestro / floor);
  }

  static void print(Path root, E2eSettings s, List<ModeRun> runs) throws Exception {
    System.out.printf("%n=== Goal table (issue 14): %d chunks per stream, one every %d ms; µs unless said; added = chunk latency"
        + " − direct baseline median;%n    CPU = sum over the service processes (/proc, 10 ms ticks) per relayed chunk and per"
        + " one-chunk turn; RSS = services' peak in the phase.%n    floor hop = a bare Vert.x relay hop (HTTP → HTTP, no parsing);"
        + " floor chain = provider → session → gateway with Maestro's%n    plumbing (platform cluster, TLS bus, JVM flags, PG pool)"
        + " and no Maestro logic (3 JVMs for five, 1 for single); ÷floor = Maestro / chain.%n    steady = added latency of the"
        + " chunks received once every stream of the round had its first token (no turn start competing; — = no such chunk).%n    All in the same run. The machine"
        + " is shared: read the figures as noisy upper bounds.%n%n", s.chunks(), s.intervalMs());
    String head = "%-7s %-24s %10s %10s %10s %10s %10s %10s %10s %9s %12s%n";
    System.out.printf(head, "streams", "row", "added p50", "added p99", "+TTFT p50", "CPU/chunk", "CPU/turn", "steady p50", "steady p99",
        "RSS MiB", "delivered");
    JsonArray rows = new JsonArray();
    for (int n : s.levels()) {
      long[] g = goal(n);
      System.out.printf(head, n, "goal", dash(g[0]), dash(g[1]), dash(g[2]), GOAL_CPU_PER_CHUNK_MICROS, GOAL_CPU_PER_TURN_MICROS, dash(g[0]),
          dash(g[1]), "", "all");
      rows.add(new JsonObject().put("streams", n).put("row", "goal").put("addedChunkP50", g[0]).put("addedChunkP99", g[1])
          .put("addedTtftP50", g[2]).put("cpuPerChunkMicros", GOAL_CPU_PER_CHUNK_MICROS).put("cpuPerTurnMicros", GOAL_CPU_PER_TURN_MICROS));
      for (ModeRun run : runs) {
        E2eReport.Level l = run.levels().stream().filter(x -> x.streams() == n).findFirst().orElse(null);
        if (l == null) continue;
        Row m = Row.of(l, s.chunks());
        long rss = peakMiB(l.system());
        String delivered = l.system().chunks + "/" + (long) n * s.chunks() * l.system().rounds;
        System.out.printf(head, "", run.mode(), m.addedP50(), m.addedP99(), m.addedTtftP50(), m.cpuPerChunk(), m.cpuPerTurn(), dash(m.steadyP50()),
            dash(m.steadyP99()), rss, delivered);
        rows.add(json(n, run.mode(), m).put("peakRssMiB", rss)
            .put("chunksDelivered", l.system().chunks).put("chunksExpected", (long) n * s.chunks() * l.system().rounds)
            .put("errors", l.system().errors.get()));
        if (l.chain() != null) {
          E2eReport.Level c = l.chain();
          Row f = Row.of(c, s.chunks());
          int jvms = "single".equals(run.mode()) ? 1 : 3;
          String label = "floor: bare chain " + jvms + " JVM" + (jvms == 1 ? "" : "s");
          System.out.printf(head, "", label, f.addedP50(), f.addedP99(), f.addedTtftP50(), f.cpuPerChunk(), f.cpuPerTurn(), dash(f.steadyP50()),
              dash(f.steadyP99()), peakMiB(c.system()),
              c.system().chunks + "/" + (long) n * s.chunks() * c.system().rounds);
          System.out.printf(head, "", run.mode() + " ÷ floor", ratio(m.addedP50(), f.addedP50()), ratio(m.addedP99(), f.addedP99()),
              ratio(m.addedTtftP50(), f.addedTtftP50()), ratio(m.cpuPerChunk(), f.cpuPerChunk()), ratio(m.cpuPerTurn(), f.cpuPerTurn()),
              ratio(m.steadyP50(), f.steadyP50()), ratio(m.steadyP99(), f.steadyP99()), "", "");
          rows.add(json(n, "floor-chain-" + run.mode(), f).put("jvms", jvms).put("peakRssMiB", peakMiB(c.system()))
              .put("chunksDelivered", c.system().chunks).put("chunksExpected", (long) n * s.chunks() * c.system().rounds)
              .put("errors", c.system().errors.get() + c.turns().errors.get()));
          rows.add(new JsonObject().put("streams", n).put("row", "ratio-" + run.mode() + "-over-chain")
              .put("addedChunkP50", ratio(m.addedP50(), f.addedP50())).put("addedChunkP99", ratio(m.addedP99(), f.addedP99()))
              .put("addedTtftP50", ratio(m.addedTtftP50(), f.addedTtftP50()))
              .put("cpuPerChunkMicros", ratio(m.cpuPerChunk(), f.cpuPerChunk())).put("cpuPerTurnMicros", ratio(m.cpuPerTurn(), f.cpuPerTurn()))
              .put("steadyChunkP50", ratio(m.steadyP50(), f.steadyP50())).put("steadyChunkP99", ratio(m.steadyP99(), f.steadyP99())));
        }
        if (l.relay() != null) {
          Histogram floor = l.relay().addedOver(l.baseline());
          long f50 = l.relay().ttft.getValueAtPercentile(50) - l.baseline().ttft.getValueAtPercentile(50);
          System.out.printf(head, "", "floor: relay hop", floor.getValueAtPercentile(50), floor.getValueAtPercentile(99), f50,
              "", "", "", "", "", l.relay().chunks + "/" + (long) n * s.chunks() * l.relay().rounds);
          rows.add(new JsonObject().put("streams", n).put("row", "floor-" + run.mode())
              .put("addedChunkP50", floor.getValueAtPercentile(50)).put("addedChunkP99", floor.getValueAtPercentile(99))
              .put("addedTtftP50", f50));
        }
      }
    }
    // idle per JVM beside the bare chain's (same window): what a clustered JVM costs doing nothing here
    System.out.printf("%n%-8s %12s %14s %10s %13s %19s%n", "mode", "UP in ms", "idle CPU ms/s", "idle RSS", "idle per JVM",
        "floor idle per JVM");
    System.out.printf("%-8s %12s %14s %10s %13s %19s%n", "goal", "", dash(Math.round(GOAL_IDLE_CPU_MS_PER_SECOND)), "", "", "");
    JsonArray modes = new JsonArray();
    for (ModeRun run : runs) {
      double idle = run.idleServices();
      long rss = run.idleRss().entrySet().stream().filter(e -> !e.getKey().startsWith("bench")).mapToLong(Map.Entry::getValue).sum() / 1024;
      System.out.printf("%-8s %12d %14.1f %7d MiB %13.1f %19s%n", run.mode(), run.upMs(), idle, rss, run.idlePerJvm(),
          Double.isNaN(run.floorIdlePerJvm()) ? "—" : String.format("%.1f", run.floorIdlePerJvm()));
      JsonObject m = new JsonObject().put("mode", run.mode()).put("upMillis", run.upMs()).put("idleCpuMsPerSecond", idle)
          .put("idleRssMiB", rss).put("idleCpuMsPerSecondPerJvm", run.idlePerJvm());
      if (!run.floorIdleCpu().isEmpty()) {
        m.put("floorIdleCpuMsPerSecond", new JsonObject(new java.util.LinkedHashMap<String, Object>(run.floorIdleCpu())))
            .put("floorIdleCpuMsPerSecondPerJvm", run.floorIdlePerJvm());
      }
      modes.add(m);
    }
    Path out = root.resolve("bench/target/e2e-goal-table" + (s.label().isEmpty() ? "" : "-" + s.label()) + ".json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, new JsonObject().put("benchmark", "e2e-goal-table").put("chunksPerStream", s.chunks())
        .put("intervalMs", s.intervalMs()).put("cpus", Runtime.getRuntime().availableProcessors())
        .put("rows", rows).put("modes", modes).encodePrettily());
    System.out.println("\nGoal table JSON written to " + out);
  }

  private static JsonObject json(int streams, String row, Row r) {
    return new JsonObject().put("streams", streams).put("row", row).put("addedChunkP50", r.addedP50()).put("addedChunkP99", r.addedP99())
        .put("addedTtftP50", r.addedTtftP50()).put("cpuPerChunkMicros", r.cpuPerChunk()).put("cpuPerTurnMicros", r.cpuPerTurn())
        .put("steadyChunkP50", r.steadyP50()).put("steadyChunkP99", r.steadyP99());
  }

  /** Peak RSS of a phase's measured processes (the bench's own left out), MiB. */
  private static long peakMiB(Phase p) {
    return p.peakRssKb.entrySet().stream().filter(e -> !e.getKey().startsWith("bench")).mapToLong(Map.Entry::getValue).sum() / 1024;
  }

  private static String dash(long v) {
    return v < 0 ? "—" : String.valueOf(v);
  }
}
