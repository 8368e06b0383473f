package dev.maestro.bench.gateway;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/** What one phase (one path at one level) measured; histograms and counters accumulate over its rounds. */
final class Phase {
  final String name;
  final int streams;
  final Histogram chunk = new Histogram(120_000_000L, 3);
  final Histogram ttft = new Histogram(120_000_000L, 3);
  final long[] sentAt;
  final boolean[] firstSeen;
  volatile CountDownLatch done;
  final AtomicLong errors = new AtomicLong();
  final Map<String, Long> peakRssKb = new LinkedHashMap<>();
  final Map<String, Long> cpuMs = new LinkedHashMap<>();
  int rounds;
  long chunks;
  /** Every chunk latency recorded (µs), so the baseline can be subtracted chunk by chunk. */
  private long[] samples = new long[1024];
  private int sampleCount;
  /**
   * The chunk latencies (µs) that arrived while no stream of their round was still waiting for its first
   * token: the chunk path alone, without turn starts competing for the same cores (at 100 streams the
   * turns' start-up work overlaps most of a 20-chunk stream).
   */
  private long[] steady = new long[1024];
  private int steadyCount;
  /** Streams of the current round that have had their first chunk. */
  private int firstCount;
  /**
   * {@code --hops}: where each stamped chunk's latency went (µs), upstream → provider (loopback HTTP, the
   * provider's loop and decoding), provider → session (the bus hop and the session's loop), session → client
   * (the session's publish, the bus hop, the gateway, the WebSocket and the client); all chunks, then the
   * steady ones only.
   */
  static final String[] HOPS = {"upstream→provider", "provider→session", "session→client"};
  final Histogram[] hop = {new Histogram(120_000_000L, 3), new Histogram(120_000_000L, 3), new Histogram(120_000_000L, 3)};
  final Histogram[] steadyHop = {new Histogram(120_000_000L, 3), new Histogram(120_000_000L, 3), new Histogram(120_000_000L, 3)};
  long unparsed;
  long t0;
  long lastChunk;
  long activeMicros;
  /** Print each round's window (with --jfr): a profile is cut to one phase's time by it. */
  static volatile boolean printWindows;

  Phase(String name, int streams) {
    this.name = name;
    this.streams = streams;
    this.sentAt = new long[streams];
    this.firstSeen = new boolean[streams];
    this.done = new CountDownLatch(0);
  }

  /** A new round of the same N streams. */
  synchronized void beginRound() {
    Arrays.fill(sentAt, 0);
    Arrays.fill(firstSeen, false);
    firstCount = 0;
    done = new CountDownLatch(streams);
    lastChunk = 0;
    rounds++;
    t0 = EpochClock.nowMicros();
  }

  /** Active time of the round: first send → last chunk received. */
  synchronized void endRound() {
    if (lastChunk > t0) activeMicros += lastChunk - t0;
    if (printWindows) System.out.printf("window %s round %d: %d..%d epoch ms%n", name, rounds, t0 / 1000, Math.max(t0, lastChunk) / 1000);
  }

  void peak(Map<String, Long> rss) {
    rss.forEach((k, v) -> peakRssKb.merge(k, v, Math::max));
  }

  void cpu(Map<String, Long> before, Map<String, Long> after) {
    after.forEach((k, v) -> cpuMs.merge(k, v - before.getOrDefault(k, v), Long::sum));
  }

  /** A text chunk with its hop stamps ({@code --hops}: provider's and session's epoch µs). */
  synchronized void chunk(int idx, String text, long now, long providerMicros, long sessionMicros) {
    long stamp = record(idx, text, now);
    if (stamp == UNPARSED) return;
    long[] legs = {providerMicros - stamp, sessionMicros - providerMicros, now - sessionMicros};
    for (int i = 0; i < legs.length; i++) {
      hop[i].recordValue(clamp(legs[i], hop[i]));
      if (lastWasSteady) steadyHop[i].recordValue(clamp(legs[i], steadyHop[i]));
    }
  }

  /** A text chunk of stream idx arrived at {@code now}; its text is the upstream's write stamp. */
  synchronized void chunk(int idx, String text, long now) {
    record(idx, text, now);
  }

  private static final long UNPARSED = Long.MIN_VALUE;
  /** Whether the chunk {@link #record} took last was a steady one. */
  private boolean lastWasSteady;

  /** Records one chunk → its upstream write stamp, or {@link #UNPARSED} when its text is not one. */
  private long record(int idx, String text, long now) {
    chunks++;
    lastChunk = Math.max(lastChunk, now);
    lastWasSteady = false;
    long stamp;
    try {
      stamp = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      unparsed++;
      return UNPARSED;
    }
    chunk.recordValue(clamp(now - stamp, chunk));
    if (sampleCount == samples.length) samples = Arrays.copyOf(samples, samples.length * 2);
    samples[sampleCount++] = now - stamp;
    if (!firstSeen[idx]) {
      firstSeen[idx] = true;
      firstCount++;
      ttft.recordValue(clamp(now - sentAt[idx], ttft));
    } else if (firstCount == streams) {
      lastWasSteady = true;
      if (steadyCount == steady.length) steady = Arrays.copyOf(steady, steady.length * 2);
      steady[steadyCount++] = now - stamp;
    }
    return stamp;
  }

  /**
   * Added latency chunk by chunk: each chunk's latency minus the baseline's median chunk latency (what
   * the client and the loopback cost anyway), negatives as 0. Percentiles of differences, not the
   * difference of percentiles (which mixes the tails of two distributions).
   */
  synchronized Histogram addedOver(Phase baseline) {
    return added(samples, sampleCount, baseline);
  }

  /** {@link #addedOver} for the steady chunks only (none recorded: an empty histogram). */
  synchronized Histogram steadyAddedOver(Phase baseline) {
    return added(steady, steadyCount, baseline);
  }

  private static Histogram added(long[] values, int count, Phase baseline) {
    long floor = baseline.chunk.getTotalCount() == 0 ? 0 : baseline.chunk.getValueAtPercentile(50);
    Histogram added = new Histogram(120_000_000L, 3);
    for (int i = 0; i < count; i++) added.recordValue(clamp(values[i] - floor, added));
    return added;
  }

  /** CPU ms of the services (every watched process but the bench's own). */
  long serviceCpuMs() {
    return cpuMs.entrySet().stream().filter(e -> !e.getKey().startsWith("bench")).mapToLong(Map.Entry::getValue).sum();
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
