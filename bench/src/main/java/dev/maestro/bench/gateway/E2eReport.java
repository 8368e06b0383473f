package dev.maestro.bench.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The tables on stdout and {@code bench/target/gateway-e2e-bench.json}. */
final class E2eReport {
  /** {@code turns}: the one-chunk turns phase; {@code openAi}: the same streams through the OpenAI-compatible door, or null. */
  /**
   * {@code relay}: the bare relay hop's phase, or null; {@code chain}: the bare chain's own level (its streams
   * and one-chunk turns phases against the same baseline, CPU of its JVMs), or null.
   */
  record Level(int streams, Phase baseline, Phase system, Phase turns, Phase openAi, Phase relay, Level chain) {
    Level(int streams, Phase baseline, Phase system, Phase turns) {
      this(streams, baseline, system, turns, null, null, null);
    }

    Level(int streams, Phase baseline, Phase system, Phase turns, Phase openAi) {
      this(streams, baseline, system, turns, openAi, null, null);
    }

    /** Service CPU (sum of the five processes) per turn, µs: the one-chunk turns phase. */
    double cpuPerTurnMicros() {
      long n = (long) streams * turns.rounds;
      return n == 0 ? 0 : turns.serviceCpuMs() * 1000.0 / n;
    }

    /** Service CPU per relayed chunk, µs: the system phase per turn minus a one-chunk turn, per extra chunk. */
    double cpuPerChunkMicros(int chunks) {
      long n = (long) streams * system.rounds;
      if (n == 0 || chunks < 2) return 0;
      return Math.max(0, (system.serviceCpuMs() * 1000.0 / n - cpuPerTurnMicros()) / (chunks - 1));
    }
  }

  private E2eReport() {}

  static void write(Path root, E2eSettings s, List<Level> levels, Map<String, Long> idleRss, Map<String, Double> idleCpu,
      long upMs, String jars, String javaOpts) throws Exception {
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
      Histogram added = y.addedOver(b);
      long addP50 = added.getValueAtPercentile(50);
      long addP99 = added.getValueAtPercentile(99);
      long addT50 = y.ttft.getValueAtPercentile(50) - b.ttft.getValueAtPercentile(50);
      long addT99 = y.ttft.getValueAtPercentile(99) - b.ttft.getValueAtPercentile(99);
      System.out.printf("%-8d %9d %9d %9d %9d %10d %10d | %10d %10d %10d %10d %10.0f | %10.0f %10s %7d%n", l.streams(),
          b.chunk.getValueAtPercentile(50), b.chunk.getValueAtPercentile(99), y.chunk.getValueAtPercentile(50),
          y.chunk.getValueAtPercentile(99), addP50, addP99, b.ttft.getValueAtPercentile(50), y.ttft.getValueAtPercentile(50),
          addT50, addT99, b.chunksPerSecond(), y.chunksPerSecond(), y.chunks + "/" + (long) l.streams() * s.chunks() * y.rounds,
          y.errors.get() + b.errors.get());
      json.add(new JsonObject().put("streams", l.streams())
          .put("baseline", phaseJson(b, s)).put("system", phaseJson(y, s))
          .put("turns", phaseJson(l.turns(), s.withChunks(1)))
          .put("addedMicros", new JsonObject().put("chunkP50", addP50).put("chunkP99", addP99)
              .put("ttftP50", addT50).put("ttftP99", addT99))
          .put("serviceCpuMicros", new JsonObject().put("perTurn", Math.round(l.cpuPerTurnMicros()))
              .put("perChunk", Math.round(l.cpuPerChunkMicros(s.chunks())))));
    }
    openAiTable(levels, s);
    hopTable(levels);
    for (int i = 0; i < levels.size(); i++) {
      Level l = levels.get(i);
      if (l.system().hop[0].getTotalCount() > 0) json.getJsonObject(i).put("hopsMicros", hopsJson(l.system()));
      if (l.openAi() != null) json.getJsonObject(i).put("openaiDoor", phaseJson(l.openAi(), s));
      if (l.relay() != null) json.getJsonObject(i).put("bareRelayFloor", phaseJson(l.relay(), s));
      if (l.chain() != null) {
        json.getJsonObject(i).put("bareChainFloor", new JsonObject().put("streams", phaseJson(l.chain().system(), s))
            .put("turns", phaseJson(l.chain().turns(), s.withChunks(1)))
            .put("cpuMicros", new JsonObject().put("perTurn", Math.round(l.chain().cpuPerTurnMicros()))
                .put("perChunk", Math.round(l.chain().cpuPerChunkMicros(s.chunks())))));
      }
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
    System.out.printf("%nService CPU (sum of the five processes; /proc utime+stime, 10 ms ticks): per turn = one-chunk%n"
        + "turns phase / turns; per chunk = (system phase per turn - one-chunk turn) / (chunks - 1)%n");
    System.out.printf("%-8s %14s %14s %12s%n", "streams", "µs per turn", "µs per chunk", "sys ms");
    for (Level l : levels) {
      System.out.printf("%-8d %14.0f %14.1f %12d%n", l.streams(), l.cpuPerTurnMicros(), l.cpuPerChunkMicros(s.chunks()),
          l.system().serviceCpuMs());
    }
    double idleTotal = idleCpu.entrySet().stream().filter(e -> !e.getKey().startsWith("bench")).mapToDouble(Map.Entry::getValue).sum();
    long rssTotal = idleRss.entrySet().stream().filter(e -> !e.getKey().startsWith("bench")).mapToLong(Map.Entry::getValue).sum();
    System.out.printf("%nIdle (after warm-up, %d s): CPU ms per second %s; services total %.1f ms/s; RSS total %d MiB; UP in %d ms%n",
        s.idleSeconds(), fmt(idleCpu), idleTotal, rssTotal / 1024, upMs);
    Path out = root.resolve("bench/target/gateway-e2e-bench" + (s.label().isEmpty() ? "" : "-" + s.label()) + ".json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, new JsonObject()
        .put("benchmark", "gateway-e2e")
        .put("chunksPerStream", s.chunks()).put("intervalMs", s.intervalMs()).put("warmupStreams", s.warmup())
        .put("clock", "epoch microseconds of the bench JVM (fake upstream and clients share it)")
        .put("javaOpts", javaOpts)
        .put("serviceJars", jars)
        .put("upMillis", upMs)
        .put("idleCpuMsPerSecond", new JsonObject(new LinkedHashMap<String, Object>(idleCpu)))
        .put("idleCpuMsPerSecondServices", idleTotal)
        .put("idleRssKbServices", rssTotal)
        .put("cpus", Runtime.getRuntime().availableProcessors())
        .put("idleRssKb", new JsonObject(new LinkedHashMap<String, Object>(idleRss)))
        .put("levels", json).encodePrettily());
    System.out.println("\nJSON written to " + out);
  }

  /** {@code --hops}: each leg's p50 / p99 (µs) over all stamped chunks, then over the steady ones. */
  private static void hopTable(List<Level> levels) {
    if (levels.stream().allMatch(l -> l.system().hop[0].getTotalCount() == 0)) return;
    System.out.printf("%nWhere a chunk's latency goes (--hops; µs, p50 / p99; raw, not minus the baseline; steady = received once"
        + " every stream of the round had its first token)%n");
    String head = "%-8s %-8s %22s %22s %22s %9s%n";
    System.out.printf(head, "streams", "chunks", Phase.HOPS[0], Phase.HOPS[1], Phase.HOPS[2], "count");
    for (Level l : levels) {
      Phase y = l.system();
      if (y.hop[0].getTotalCount() == 0) continue;
      System.out.printf(head, l.streams(), "all", pair(y.hop[0]), pair(y.hop[1]), pair(y.hop[2]), y.hop[0].getTotalCount());
      System.out.printf(head, "", "steady", pair(y.steadyHop[0]), pair(y.steadyHop[1]), pair(y.steadyHop[2]), y.steadyHop[0].getTotalCount());
    }
  }

  private static String pair(Histogram h) {
    return h.getTotalCount() == 0 ? "—" : h.getValueAtPercentile(50) + " / " + h.getValueAtPercentile(99);
  }

  static JsonObject hopsJson(Phase p) {
    JsonObject all = new JsonObject();
    JsonObject steady = new JsonObject();
    for (int i = 0; i < Phase.HOPS.length; i++) {
      all.put(Phase.HOPS[i], percentiles(p.hop[i]));
      steady.put(Phase.HOPS[i], percentiles(p.steadyHop[i]));
    }
    return new JsonObject().put("all", all).put("steady", steady);
  }

  /** The OpenAI-compatible door: the same streams as POST /v1/chat/completions (SSE) to the gateway. */
  private static void openAiTable(List<Level> levels, E2eSettings s) {
    if (levels.stream().allMatch(l -> l.openAi() == null)) return;
    System.out.printf("%nThe OpenAI-compatible door: POST /v1/chat/completions (stream) to the gateway, same path behind it; "
        + "added = door − baseline%n");
    String head = "%-8s %9s %9s %10s %10s | %10s %10s %10s | %10s %10s %7s%n";
    System.out.printf(head, "streams", "door p50", "door p99", "added p50", "added p99", "doorTTFT50", "+TTFT p50", "+TTFT p99",
        "door ch/s", "chunks", "errors");
    for (Level l : levels) {
      Phase b = l.baseline();
      Phase o = l.openAi();
      if (o == null) continue;
      System.out.printf("%-8d %9d %9d %10d %10d | %10d %10d %10d | %10.0f %10s %7d%n", l.streams(),
          o.chunk.getValueAtPercentile(50), o.chunk.getValueAtPercentile(99),
          o.chunk.getValueAtPercentile(50) - b.chunk.getValueAtPercentile(50),
          o.chunk.getValueAtPercentile(99) - b.chunk.getValueAtPercentile(99), o.ttft.getValueAtPercentile(50),
          o.ttft.getValueAtPercentile(50) - b.ttft.getValueAtPercentile(50), o.ttft.getValueAtPercentile(99) - b.ttft.getValueAtPercentile(99),
          o.chunksPerSecond(), o.chunks + "/" + (long) l.streams() * s.chunks() * o.rounds, o.errors.get());
    }
  }

  private static String fmt(Map<String, Double> m) {
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format("%.1f", v)));
    return b.toString();
  }

  static JsonObject phaseJson(Phase p, E2eSettings s) {
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
