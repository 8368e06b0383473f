package dev.maestro.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The goal table's rows: the same arithmetic for Maestro and the bare chain, and the Maestro ÷ floor ratio. */
class GoalTableTest {
  @Test
  void ratioIsMaestroOverFloorAndNeverInventedFromNothing() {
    assertThat(GoalTable.ratio(100, 25)).isEqualTo("×4.0");
    assertThat(GoalTable.ratio(50, 40)).isEqualTo("×1.3");
    assertThat(GoalTable.ratio(0, 10)).isEqualTo("×0.0");
    // a floor under the /proc tick or within the baseline's noise: no ratio
    assertThat(GoalTable.ratio(5, 0)).isEqualTo("—");
    assertThat(GoalTable.ratio(5, -3)).isEqualTo("—");
    // a row with no steady chunk (-1) has no ratio either
    assertThat(GoalTable.ratio(-1, 10)).isEqualTo("—");
  }

  @Test
  void steadyChunksAreOnlyThoseReceivedOnceEveryStreamOfTheRoundHadItsFirstToken() {
    Phase baseline = phase("baseline", 1, 100, Map.of());
    Phase p = new Phase("system", 2);
    p.beginRound();
    long now = 1_000_000_000L;
    p.sentAt[0] = now - 50_000;
    p.sentAt[1] = now - 50_000;
    p.chunk(0, String.valueOf(now - 10_100), now);          // stream 0's first token
    p.chunk(0, String.valueOf(now - 5_100), now + 1);       // stream 1 is still starting: not steady
    p.chunk(1, String.valueOf(now - 3_100), now + 2);       // stream 1's first token
    p.chunk(0, String.valueOf(now + 3 - 600), now + 3);     // both streams running: steady, 600 µs
    p.chunk(1, String.valueOf(now + 4 - 600), now + 4);     // steady, 600 µs
    p.endRound();
    assertThat(p.steadyAddedOver(baseline).getTotalCount()).isEqualTo(2);
    assertThat(p.steadyAddedOver(baseline).getValueAtPercentile(50)).isBetween(499L, 501L);
    assertThat(p.addedOver(baseline).getTotalCount()).isEqualTo(5);
    // a new round starts with every stream waiting again
    p.beginRound();
    p.chunk(0, String.valueOf(now + 10 - 700), now + 10);
    p.chunk(0, String.valueOf(now + 11 - 700), now + 11);
    assertThat(p.steadyAddedOver(baseline).getTotalCount()).isEqualTo(2);
  }

  @Test
  void aRowTakesCpuFromTheMeasuredProcessesAndLatencyOverTheBaselineMedian() {
    int streams = 10;
    int chunks = 3;
    Phase baseline = phase("baseline", streams, 100, Map.of("bench+fake", 500L));
    // 10 turns of 3 chunks: 12 ms = 10 × (1 ms a turn + 2 × 100 µs a further chunk); the bench's own CPU is not the chain's
    Phase system = phase("chain", streams, 400, Map.of("floor-provider", 4L, "floor-session", 5L, "floor-gateway", 3L, "bench+fake", 900L));
    Phase turns = phase("chain-turns", streams, 400, Map.of("floor-provider", 3L, "floor-session", 4L, "floor-gateway", 3L));
    GoalTable.Row r = GoalTable.Row.of(new E2eReport.Level(streams, baseline, system, turns), chunks);
    assertThat(r.cpuPerTurn()).isEqualTo(1000);
    assertThat(r.cpuPerChunk()).isEqualTo(100);
    // every chunk took 400 µs against a baseline median of 100 µs
    assertThat(r.addedP50()).isBetween(299L, 301L);
    assertThat(r.addedP99()).isBetween(299L, 301L);
  }

  @Test
  void idleIsPerServiceJvmBesideTheBareChainsAndTheBenchIsLeftOut() {
    GoalTable.ModeRun run = new GoalTable.ModeRun("five", java.util.List.of(), Map.of(),
        Map.of("gateway", 6.0, "session", 6.0, "provider", 5.0, "tool", 5.0, "auth", 3.0, "bench+fake", 40.0), 1000,
        Map.of("floor-provider", 4.0, "floor-session", 3.0, "floor-gateway", 2.0));
    assertThat(run.idleServices()).isEqualTo(25.0);
    assertThat(run.idlePerJvm()).isEqualTo(5.0);
    assertThat(run.floorIdlePerJvm()).isEqualTo(3.0);
    // without a chain (--floor=hop|none) there is no idle floor
    GoalTable.ModeRun alone = new GoalTable.ModeRun("single", java.util.List.of(), Map.of(), Map.of("single", 7.5), 1000, Map.of());
    assertThat(alone.idlePerJvm()).isEqualTo(7.5);
    assertThat(alone.floorIdlePerJvm()).isNaN();
  }

  @Test
  void hopStampsSplitAChunksLatencyIntoItsThreeLegs() {
    Phase p = new Phase("system", 1);
    p.beginRound();
    long now = 1_000_000_000L;
    p.sentAt[0] = now - 9_000;
    // written upstream at now-1000, decoded by the provider at now-900, at the session at now-500, at the client at now
    p.chunk(0, String.valueOf(now - 1_000), now, now - 900, now - 500);
    p.chunk(0, String.valueOf(now + 10 - 1_000), now + 10, now + 10 - 800, now + 10 - 700);
    assertThat(p.hop[0].getTotalCount()).isEqualTo(2);
    assertThat(p.hop[0].getMaxValue()).isBetween(199L, 201L);
    assertThat(p.hop[1].getMaxValue()).isBetween(399L, 401L);
    assertThat(p.hop[2].getMaxValue()).isBetween(699L, 701L);
    // only the second chunk came after every stream's first token
    assertThat(p.steadyHop[2].getTotalCount()).isEqualTo(1);
    assertThat(p.steadyHop[2].getMaxValue()).isBetween(699L, 701L);
    assertThat(p.chunks).isEqualTo(2);
    assertThat(E2eReport.hopsJson(p).getJsonObject("all").getJsonObject("provider→session").getLong("count")).isEqualTo(2);
  }

  /** One round of n streams, each one chunk of {@code latency} µs, and these CPU ms per process. */
  private static Phase phase(String name, int n, long latency, Map<String, Long> cpuMs) {
    Phase p = new Phase(name, n);
    p.beginRound();
    long now = 1_000_000_000L;
    for (int i = 0; i < n; i++) {
      p.sentAt[i] = now - 2 * latency;
      p.chunk(i, String.valueOf(now - latency), now);
    }
    p.endRound();
    Map<String, Long> zero = new java.util.HashMap<>();
    cpuMs.keySet().forEach(k -> zero.put(k, 0L));
    p.cpu(zero, cpuMs);
    return p;
  }
}
