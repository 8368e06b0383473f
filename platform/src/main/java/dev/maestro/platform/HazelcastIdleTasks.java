package dev.maestro.platform;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.spi.impl.NodeEngineImpl;
import com.hazelcast.spi.impl.executionservice.impl.ExecutionServiceImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Cancels the periodic tasks a Hazelcast 5.3 member schedules for features Maestro never uses, so an idle
 * member does not wake for them (issue 14: idle CPU). No configuration turns these off: their periods are
 * constants in Hazelcast.
 * <p>Measured (JFR {@code jdk.ThreadPark} on an idle five-process cluster, 155 s): each member's
 * {@code hz.scheduled.thread} woke 19 times a second and handed each task to a {@code hz.cached.thread}
 * (43 parks a second between them), and the two {@code MetricsRegistry} threads woke 4 times a second. Of
 * the 19: 10 were {@code CompletableFutureTask} (every 100 ms: polls futures handed to
 * {@code ExecutionService.asCompletableFuture}, which only MapStore loading, Management Center operations
 * and Jet use), 6 the CP subsystem's three {@code ExpireWaitKeysPeriodicTask}s (every 500 ms: FencedLock,
 * ISemaphore and ICountDownLatch wait timeouts; Vert.x's locks and counters are IMap locks and IMap
 * entries, not CP), 1 the CP sessions' {@code CheckSessionsToExpire} and 1 {@code CRDTReplicationTask}
 * (PN counters); the heartbeat and the split-brain search are the rest and stay. The metrics registry's
 * tasks (GC, I/O and network statistics, every second) feed only the metrics collection, which
 * {@link ClusterSetup#idleQuietly} turns off.
 * <p>Also puts a {@link QuietTcpIpJoiner} in place of the member's joiner: the split-brain search stays (every
 * 2 s), without the 10 ms sleeps of up to 5 s per listed address nobody answers at.
 * <p>What stays: heartbeats and failure detection, the split-brain merge, partition table publication and
 * anti-entropy, backups, IMap expiry and lock timeouts (the operation parker), member list publication.
 * <p>A task is recognised by its class name in its {@code toString()} (the JDK's scheduled future and
 * Hazelcast's decorators name the task they wrap), so no JDK internals are opened. After a Hazelcast upgrade
 * that renames one, it is simply no longer found (logged; {@code HazelcastIdleTasksTest} names the set).
 */
final class HazelcastIdleTasks {
  private static final Logger LOG = LoggerFactory.getLogger(HazelcastIdleTasks.class);

  /** What a wrapped task's toString() shows, for the tasks of unused features (cluster-wide executor). */
  static final List<String> UNUSED = List.of(
      "runnable=CompletableFutureTask{",
      "AbstractBlockingService$ExpireWaitKeysPeriodicTask@",
      "RaftSessionService$CheckSessionsToExpire@",
      "RaftSessionService$CheckInactiveSessions@",
      "CRDTReplicationTask@",
      "AccumulatorScannerTask@");

  /** The metrics registry's own scheduler: statistics only the (disabled) metrics collection reads. */
  static final List<String> METRICS = List.of(
      "GarbageCollectionMetricSet$GcStats@",
      "NioNetworking$PublishAllTask@",
      "TcpServer$RefreshNetworkStatsTask@");

  /** What {@link #quiet} returns among the cancelled when the member's joiner is (now) a {@link QuietTcpIpJoiner}. */
  static final String QUIET_JOINER = "split-brain search without waits (QuietTcpIpJoiner)";

  private HazelcastIdleTasks() {}

  /**
   * Cancels the tasks of {@link #UNUSED} and {@link #METRICS} still scheduled on hz; returns their
   * descriptions (empty when none was found). Idempotent: after a split-brain merge Hazelcast restarts
   * its networking, which schedules its statistics task again, so this runs again then.
   */
  static List<String> quiet(HazelcastInstance hz) {
    List<String> cancelled = new ArrayList<>();
    try {
      NodeEngineImpl engine = nodeEngine(hz);
      if (engine == null) return cancelled;
      cancel(((ExecutionServiceImpl) engine.getExecutionService()).getScheduledExecutorService(), UNUSED, cancelled);
      Object registry = engine.getMetricsRegistry();
      Field scheduler = registry.getClass().getDeclaredField("scheduler");
      scheduler.setAccessible(true);
      if (scheduler.get(registry) instanceof ScheduledThreadPoolExecutor executor) cancel(executor, METRICS, cancelled);
      // the split-brain search stays, without its waits on addresses nobody answers at (QuietTcpIpJoiner)
      if (!(engine.getNode().getJoiner() instanceof QuietTcpIpJoiner) && QuietTcpIpJoiner.install(engine.getNode())) cancelled.add(QUIET_JOINER);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // another Hazelcast version: the member works as it is, it only wakes more often
      LOG.info("could not cancel Hazelcast's idle tasks of unused features ({}); the member runs them", e.toString());
    }
    if (cancelled.isEmpty()) LOG.info("found none of Hazelcast's idle tasks of unused features to cancel");
    else LOG.debug("cancelled Hazelcast's idle tasks of unused features: {}", cancelled);
    return cancelled;
  }

  /** Every periodic task of hz (cluster-wide executor, then metrics registry), as toString() shows it. */
  static List<String> scheduled(HazelcastInstance hz) throws ReflectiveOperationException {
    NodeEngineImpl engine = nodeEngine(hz);
    List<String> all = new ArrayList<>();
    ((ExecutionServiceImpl) engine.getExecutionService()).getScheduledExecutorService().getQueue().forEach(r -> all.add(r.toString()));
    Object registry = engine.getMetricsRegistry();
    Field scheduler = registry.getClass().getDeclaredField("scheduler");
    scheduler.setAccessible(true);
    ((ScheduledThreadPoolExecutor) scheduler.get(registry)).getQueue().forEach(r -> all.add(r.toString()));
    return all;
  }

  private static void cancel(ScheduledThreadPoolExecutor executor, List<String> names, List<String> cancelled) {
    for (Runnable task : new ArrayList<>(executor.getQueue())) {
      String what = task.toString();
      String name = names.stream().filter(what::contains).findFirst().orElse(null);
      if (name == null || !(task instanceof Future<?> future)) continue;
      future.cancel(false);
      executor.remove(task);
      cancelled.add(name.replaceAll("^runnable=|[@{]$", ""));
    }
  }

  private static NodeEngineImpl nodeEngine(HazelcastInstance hz) {
    HazelcastInstanceImpl impl = hz instanceof HazelcastInstanceProxy proxy ? proxy.getOriginal()
        : hz instanceof HazelcastInstanceImpl i ? i : null;
    return impl == null ? null : impl.node.getNodeEngine();
  }
}
