package dev.maestro.bench.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples VmRSS of every watched process every 200 ms, keeping the peak since the last snapshot,
 * and reads their CPU time (Linux /proc).
 */
final class ProcessSampler {
  private final Map<String, Long> pids = new LinkedHashMap<>();
  private final Map<String, Long> peak = new ConcurrentHashMap<>();
  private ScheduledExecutorService timer;

  void watch(String name, long pid) {
    pids.put(name, pid);
  }

  void start() {
    sample();
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rss-sampler");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::sample, 200, 200, TimeUnit.MILLISECONDS);
  }

  void stop() {
    if (timer != null) timer.shutdownNow();
  }

  private void sample() {
    pids.forEach((name, pid) -> {
      long kb = rssKb(pid);
      if (kb > 0) peak.merge(name, kb, Math::max);
    });
  }

  /** utime + stime of every watched process, ms (from /proc/<pid>/stat, 100 ticks per second). */
  Map<String, Long> cpuMs() {
    Map<String, Long> out = new LinkedHashMap<>();
    pids.forEach((name, pid) -> {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        out.put(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10);
      } catch (Exception e) {
        out.put(name, 0L);
      }
    });
    return out;
  }

  synchronized Map<String, Long> snapshotAndReset() {
    sample();
    Map<String, Long> out = new LinkedHashMap<>();
    for (String name : pids.keySet()) out.put(name, peak.getOrDefault(name, -1L));
    peak.clear();
    return out;
  }

  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
