package dev.maestro.platform;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Lock;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An idle member no longer runs Hazelcast's periodic tasks of features Maestro does not use (issue 14: idle
 * CPU), and keeps those failover and the data Maestro keeps in Hazelcast need.
 */
class HazelcastIdleTasksTest {
  private static final List<String> KEPT = List.of(
      "ClusterHeartbeatManager", "SplitBrainHandler", "MembershipManager", "PublishPartitionRuntimeStateTask",
      "PartitionReplicaManager$AntiEntropyTask");

  @Test
  void aJoinedMemberRunsNoneOfTheUnusedFeaturesTasksAndKeepsHeartbeatsMergeAndAntiEntropy() throws Exception {
    MaestroClusterManager cm = new MaestroClusterManager(config(15861));
    Vertx vertx = Vertx.builder().withClusterManager(cm).buildClustered().await(60, TimeUnit.SECONDS);
    try {
      List<String> left = HazelcastIdleTasks.scheduled(cm.getHazelcastInstance());
      for (String unused : HazelcastIdleTasks.UNUSED) assertThat(left).as("scheduled after join").noneMatch(t -> t.contains(unused));
      for (String metrics : HazelcastIdleTasks.METRICS) assertThat(left).as("scheduled after join").noneMatch(t -> t.contains(metrics));
      for (String kept : KEPT) assertThat(left).as("scheduled after join").anyMatch(t -> t.contains(kept));
      // Vert.x's cluster-wide lock (an IMap lock, not the CP subsystem) still waits and times out
      Lock lock = vertx.sharedData().getLockWithTimeout("idle-test", 5_000).await(10, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      Throwable timedOut = null;
      try {
        vertx.sharedData().getLockWithTimeout("idle-test", 300).await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        timedOut = e;
      }
      assertThat(timedOut).as("a second acquire of a held lock times out").isNotNull();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
      lock.release();
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyTaskItCancelsIsOneThisHazelcastSchedules() throws Exception {
    // a Hazelcast upgrade that renames one of them shows here (the member would simply wake for it again)
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(config(15871));
    try {
      List<String> before = HazelcastIdleTasks.scheduled(hz);
      for (String name : HazelcastIdleTasks.UNUSED) assertThat(before).as("Hazelcast's periodic tasks").anyMatch(t -> t.contains(name));
      List<String> cancelled = HazelcastIdleTasks.quiet(hz);
      assertThat(cancelled).contains("CompletableFutureTask", "AbstractBlockingService$ExpireWaitKeysPeriodicTask",
          "RaftSessionService$CheckSessionsToExpire", "CRDTReplicationTask", "GarbageCollectionMetricSet$GcStats",
          "NioNetworking$PublishAllTask");
      assertThat(HazelcastIdleTasks.quiet(hz)).as("a second call finds nothing left").isEmpty();
      // IMap expiry (the owner map's entries, Vert.x's node info) is the operation parker's and the record
      // store's, not a cancelled task: an entry with a TTL still goes
      IMap<String, String> map = hz.getMap("idle-ttl");
      map.put("k", "v", 1, TimeUnit.SECONDS);
      long deadline = System.currentTimeMillis() + 10_000;
      while (map.get("k") != null && System.currentTimeMillis() < deadline) Thread.sleep(100);
      assertThat(map.get("k")).as("an entry past its TTL").isNull();
    } finally {
      hz.getLifecycleService().terminate();
    }
  }

  private static Config config(int port) {
    return ClusterSetup.hazelcast("idle-tasks-" + UUID.randomUUID(), "127.0.0.1", port, "127.0.0.1:" + port);
  }
}
