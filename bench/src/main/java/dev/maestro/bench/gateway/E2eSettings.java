package dev.maestro.bench.gateway;

import java.util.Arrays;

/** The options of {@link GatewayEndToEndBench}: {@code --name=value}, or {@code --help}. */
record E2eSettings(int[] levels, int chunks, long intervalMs, int warmup, int rounds) {
  static final String USAGE = """
      usage: bench gateway-e2e [--levels=1,100,1000] [--chunks=20] [--interval-ms=20] [--warmup=100] [--rounds=N]
        --levels       concurrent streams per level, comma-separated
        --chunks       text chunks per streamed reply
        --interval-ms  pause between chunks at the fake upstream
        --warmup       streams of the unrecorded warm-up on each path (0: none)
        --rounds       rounds per level (default 200/N, between 1 and 20)
      environment: MAESTRO_BENCH_PG_URL (its Maestro schemas are dropped first), MAESTRO_BENCH_REDIS_URL,
      MAESTRO_JAVA_OPTS (as for deploy/maestro); the services get deploy/jvm-flags like the launcher.""";

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

  static E2eSettings parse(String[] args) {
    int[] levels = {1, 100, 1000};
    int chunks = 20;
    long interval = 20;
    int warmup = 100;
    int rounds = 0;
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) throw new HelpRequested();
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      if (kv.length != 2) throw new IllegalArgumentException("expected --name=value, got " + a + "\n" + USAGE);
      switch (kv[0]) {
        case "levels" -> levels = Arrays.stream(kv[1].split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        case "chunks" -> chunks = Integer.parseInt(kv[1]);
        case "interval-ms" -> interval = Long.parseLong(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "rounds" -> rounds = Integer.parseInt(kv[1]);
        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    return new E2eSettings(levels, chunks, interval, warmup, rounds);
  }
}
