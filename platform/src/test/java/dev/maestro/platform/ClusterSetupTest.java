package dev.maestro.platform;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An idle member does not run the Hazelcast features Maestro does not use (issue 14: idle CPU), and keeps
 * what failover needs: the heartbeat settings that notice a lost member in seconds.
 */
class ClusterSetupTest {
  @Test
  void anIdleMemberRunsNoMetricsCollectionHealthMonitorOrSlowOperationDetector() {
    Config config = ClusterSetup.hazelcast("idle-" + UUID.randomUUID(), "127.0.0.1", 15851, "127.0.0.1");
    assertThat(config.getMetricsConfig().isEnabled()).as("Hazelcast metrics collection").isFalse();
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
    try {
      String prefix = "hz." + hz.getName() + ".";
      Set<String> threads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
          .filter(n -> n.startsWith(prefix)).map(n -> n.substring(prefix.length())).collect(Collectors.toSet());
      assertThat(threads).as("the member's threads").isNotEmpty()
          .noneMatch(n -> n.startsWith("HealthMonitor"))
          .noneMatch(n -> n.startsWith("SlowOperationDetector"))
          .noneMatch(n -> n.startsWith("IO.BalancerThread"));
    } finally {
      hz.getLifecycleService().terminate();
    }
  }

  @Test
  void failureDetectionIsLeftAsFailoverNeedsIt() {
    Config config = ClusterSetup.hazelcast("n", "127.0.0.1", 5701, "127.0.0.1");
    assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("4");
    assertThat(config.getProperty("hazelcast.merge.next.run.delay.seconds")).isEqualTo("2");
  }

  @Test
  void aMachineThatStarvesItsJvmsCanWaitLongerForHeartbeats() {
    System.setProperty(ClusterSetup.MAX_NO_HEARTBEAT, "8");
    try {
      assertThat(ClusterSetup.hazelcast("n", "127.0.0.1", 5701, "127.0.0.1").getProperty("hazelcast.max.no.heartbeat.seconds"))
          .isEqualTo("8");
      System.setProperty(ClusterSetup.MAX_NO_HEARTBEAT, "1");
      assertThatThrownBy(() -> ClusterSetup.hazelcast("n", "127.0.0.1", 5701, "127.0.0.1"))
          .isInstanceOf(StartupException.class).hasMessageContaining(ClusterSetup.MAX_NO_HEARTBEAT);
    } finally {
      System.clearProperty(ClusterSetup.MAX_NO_HEARTBEAT);
    }
  }
}
