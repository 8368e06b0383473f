package dev.maestro.bench.gateway;

import java.util.Arrays;
import java.util.List;

/**
 * The options of {@link GatewayEndToEndBench}: {@code --name=value}, {@code --quick}, {@code --jfr}, or
 * {@code --help}. {@code jars}: another checkout whose service jars run (a before/after pair in one
 * run of the same bench code); {@code label}: names the JSON file and the JFR directory;
 * {@code jfrProfiling}: JFR's {@code method-profiling} option ({@code high}, 10 ms, unless
 * {@code --jfr=max}: 1 ms, enough samples in a phase of a few seconds).
 */
record E2eSettings(int[] levels, int chunks, long intervalMs, int warmup, int rounds, String jars, boolean jfr,
    int idleSeconds, String label, List<String> modes, String jfrProfiling, List<String> floors, boolean hops) {
  /** The two ways to run the services: five processes ({@code up}) and one ({@code up --single}). */
  static final List<String> MODES = List.of("five", "single");

  /**
   * The floors measured next to Maestro: {@code chain} (a bare provider → session → gateway chain on the same
   * platform plumbing, three JVMs in mode five, one in mode single; {@code dev.maestro.bench.floor}) and
   * {@code hop} (one bare Vert.x HTTP relay hop, {@link BareRelay}).
   */
  static final List<String> FLOORS = List.of("chain", "hop");

  boolean floor(String kind) {
    return floors.contains(kind);
  }

  static final String USAGE = """
      usage: bench e2e [--quick] [--levels=1,100,1000] [--chunks=20] [--interval-ms=20] [--warmup=100] [--rounds=N]
                       [--jars=DIR] [--jfr[=max]] [--idle-seconds=5] [--label=NAME] [--modes=five,single]
                       [--floor=chain,hop] [--hops]
        --quick        a small run for a loaded machine: --levels=1,10 --chunks=10 --interval-ms=10 --warmup=0
                       --rounds=3 --idle-seconds=3 (options after it still apply)
        --levels       concurrent streams per level, comma-separated (1000 × --interval-ms=20 is the goal's
                       1,000 streams × 50 chunks/s: slow on a 2-core machine)
        --modes        five (one process per service, as up) and/or single (one JVM, as up --single); each
                       mode starts its own system; the goal table compares them
        --chunks       text chunks per streamed reply
        --interval-ms  pause between chunks at the fake upstream
        --warmup       extra unrecorded warm-up streams on each path; every session used by a level is
                       always warmed (one turn) before anything is measured
        --rounds       rounds per level (default 200/N, between 1 and 20)
        --jars=DIR     run the service jars of another checkout DIR (DIR/<svc>-service/target/*-fat.jar)
        --jfr          a JFR recording per service: bench/target/jfr/<label>/<svc>.jfr, and each measured
                       round's window (epoch ms) printed, to cut the profile to it; --jfr=max samples every
                       1 ms (default 10 ms: JFR's profile settings)
        --floor        the floors measured in the same run, comma-separated, or none: chain (a bare
                       provider -> session -> gateway chain with Maestro's plumbing and no Maestro logic:
                       3 JVMs in mode five, 1 in mode single) and/or hop (one bare Vert.x HTTP relay hop)
        --hops         per-hop stamps on every text delta (the services run with MAESTRO_BENCH_HOP_STAMPS=true):
                       a table of where a chunk's latency goes, upstream -> provider -> session -> client; the
                       stamps ride on the events (provider -> session then leaves the binary codec's fast path),
                       so compare CPU figures only between runs that both have or lack --hops
        --idle-seconds the window in which idle CPU per second is measured
        --label        names the output: bench/target/gateway-e2e-bench[-<label>]-<mode>.json and
                       bench/target/e2e-goal-table[-<label>].json
      environment: MAESTRO_BENCH_PG_URL (its Maestro schemas are dropped first), MAESTRO_BENCH_REDIS_URL,
      MAESTRO_BENCH_CLUSTER_PORT (default 28701), MAESTRO_JAVA_OPTS (as for deploy/maestro); the services
      get deploy/jvm-flags like the launcher.""";

  /** Asked for the usage, not a run. */
  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super(USAGE, null, false, false);
    }
  }

  int maxLevel() {
    return Arrays.stream(levels).max().orElse(1);
  }

  /** Rounds of one level: --rounds, else 200/N between 1 and 20 (so one stream gets 20 samples). */
  int roundsAt(int streams) {
    return rounds > 0 ? rounds : Math.max(1, Math.min(20, 200 / streams));
  }

  long phaseTimeoutSeconds() {
    return 180 + chunks * intervalMs / 1000;
  }

  /** The same settings with {@code n} chunks per reply (the turn-cost phase uses 1). */
  E2eSettings withChunks(int n) {
    return new E2eSettings(levels, n, intervalMs, warmup, rounds, jars, jfr, idleSeconds, label, modes, jfrProfiling, floors, hops);
  }

  E2eSettings withLabel(String l) {
    return new E2eSettings(levels, chunks, intervalMs, warmup, rounds, jars, jfr, idleSeconds, l, modes, jfrProfiling, floors, hops);
  }

  /** The JSON and JFR name of one mode's run. */
  String labelOf(String mode) {
    return label.isEmpty() ? mode : label + "-" + mode;
  }

  static E2eSettings parse(String[] args) {
    int[] levels = {1, 100, 1000};
    int chunks = 20;
    long interval = 20;
    int warmup = 100;
    int rounds = 0;
    String jars = null;
    boolean jfr = false;
    String jfrProfiling = "high";
    int idle = 5;
    String label = "";
    List<String> modes = MODES;
    List<String> floors = FLOORS;
    boolean hops = false;
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) throw new HelpRequested();
      if (a.equals("--quick")) {
        levels = new int[] {1, 10};
        chunks = 10;
        interval = 10;
        warmup = 0;
        rounds = 3;
        idle = 3;
        continue;
      }
      if (a.equals("--jfr")) {
        jfr = true;
        continue;
      }
      if (a.equals("--hops")) {
        hops = true;
        continue;
      }
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      if (kv.length != 2) throw new IllegalArgumentException("expected --name=value, got " + a + "\n" + USAGE);
      switch (kv[0]) {
        case "levels" -> levels = Arrays.stream(kv[1].split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        case "chunks" -> chunks = Integer.parseInt(kv[1]);
        case "interval-ms" -> interval = Long.parseLong(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "rounds" -> rounds = Integer.parseInt(kv[1]);
        case "jars" -> jars = kv[1];
        case "jfr" -> {
          if (!List.of("normal", "high", "max").contains(kv[1])) {
            throw new IllegalArgumentException("--jfr: normal, high or max, got " + kv[1] + "\n" + USAGE);
          }
          jfr = true;
          jfrProfiling = kv[1];
        }
        case "idle-seconds" -> idle = Integer.parseInt(kv[1]);
        case "label" -> label = kv[1].replaceAll("[^A-Za-z0-9_.-]", "");
        case "modes" -> {
          modes = Arrays.stream(kv[1].split(",")).map(String::trim).filter(m -> !m.isEmpty()).distinct().toList();
          for (String m : modes) {
            if (!MODES.contains(m)) throw new IllegalArgumentException("--modes: five or single, got " + m + "\n" + USAGE);
          }
          if (modes.isEmpty()) throw new IllegalArgumentException("--modes: five or single\n" + USAGE);
        }
        case "floor" -> floors = parseFloors(kv[1]);
        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    if (chunks < 2) throw new IllegalArgumentException("--chunks must be 2 or more (turn cost is measured with 1)\n" + USAGE);
    return new E2eSettings(levels, chunks, interval, warmup, rounds, jars, jfr, idle, label, modes, jfrProfiling, floors, hops);
  }

  /** {@code --floor}: chain and/or hop, comma-separated, or none. */
  static List<String> parseFloors(String v) {
    List<String> floors = Arrays.stream(v.split(",")).map(String::trim).filter(f -> !f.isEmpty()).distinct().toList();
    if (floors.equals(List.of("none"))) return List.of();
    if (floors.isEmpty() || !FLOORS.containsAll(floors)) {
      throw new IllegalArgumentException("--floor: chain and/or hop (comma-separated), or none; got " + v + "\n" + USAGE);
    }
    return floors;
  }
}
