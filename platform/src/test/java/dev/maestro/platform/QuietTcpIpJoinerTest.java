package dev.maestro.platform;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.cluster.Joiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The split-brain search of a member without the waits on addresses nobody answers at (issue 14: idle CPU of
 * {@code up --single}), and what it must keep: another node joins a lone member, and a lone member still merges
 * into a cluster that formed apart from it.
 */
class QuietTcpIpJoinerTest {
  private final List<HazelcastInstance> members = new ArrayList<>();

  @AfterEach
  void terminate() {
    members.forEach(hz -> hz.getLifecycleService().terminate());
  }

  @Test
  void hazelcastsOwnSearchWaitsFiveSecondsOnAnAddressNobodyAnswersAtAndTheQuietOneDoesNot() throws Exception {
    // the member list names two more ports, nobody listens there (up --single's default 127.0.0.1: the port and
    // the next two)
    String name = "quiet-" + UUID.randomUUID();
    HazelcastInstance lone = start(name, 15881, "127.0.0.1:15881,127.0.0.1:15882,127.0.0.1:15883");
    Node node = node(lone);
    assertThat(node.getClusterService().isMaster()).isTrue();

    // what the idle single process paid for: Hazelcast's search sleeps 10 ms at a time until a connection to
    // each address exists, 5 s per address. Only when no run of the periodic handler is going on (it could
    // hold the addresses' connects): measured on the joiner as the handler calls it
    Joiner hazelcasts = node.getJoiner();
    assertThat(hazelcasts.getClass().getSimpleName()).isEqualTo("TcpIpJoiner");
    long t0 = System.nanoTime();
    hazelcasts.searchForOtherClusters();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("Hazelcast's search over two silent addresses")
        .isGreaterThanOrEqualTo(9_000);

    assertThat(HazelcastIdleTasks.quiet(lone)).contains(HazelcastIdleTasks.QUIET_JOINER);
    assertThat(node.getJoiner()).isInstanceOf(QuietTcpIpJoiner.class);
    assertThat(HazelcastIdleTasks.quiet(lone)).as("installed once").doesNotContain(HazelcastIdleTasks.QUIET_JOINER);
    QuietTcpIpJoiner quiet = (QuietTcpIpJoiner) node.getJoiner();
    assertThat(quiet.candidates()).hasSize(2);
    for (int i = 0; i < 3; i++) {
      long t1 = System.nanoTime();
      quiet.searchForOtherClusters();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).as("the quiet search over the same addresses")
          .isLessThan(1_000);
    }
    assertThat(lone.getCluster().getMembers()).hasSize(1);
  }

  @Test
  void anotherNodeStillJoinsALoneMember() {
    String name = "quiet-" + UUID.randomUUID();
    // the lone member as up --single starts it: the list is the host alone (this port and the next two)
    HazelcastInstance lone = start(name, 15884, "127.0.0.1");
    HazelcastIdleTasks.quiet(lone);
    assertThat(node(lone).getJoiner()).isInstanceOf(QuietTcpIpJoiner.class);
    HazelcastInstance newcomer = start(name, 15885, "127.0.0.1:15884");
    assertThat(newcomer.getCluster().getMembers()).hasSize(2);
    assertThat(lone.getCluster().getMembers()).hasSize(2);
    assertThat(node(lone).getClusterService().isMaster()).as("the lone member stays the master").isTrue();
  }

  @Test
  void aLoneMemberStillMergesIntoAClusterThatFormedApart() throws Exception {
    String name = "quiet-" + UUID.randomUUID();
    // the lone member lists the others' first address; they list only each other, so they form a cluster of
    // two apart from it, and only the lone member's search can bring the two together (the smaller side merges)
    HazelcastInstance lone = start(name, 15887, "127.0.0.1:15887,127.0.0.1:15888");
    HazelcastIdleTasks.quiet(lone);
    assertThat(node(lone).getJoiner()).isInstanceOf(QuietTcpIpJoiner.class);
    HazelcastInstance b1 = start(name, 15888, "127.0.0.1:15888,127.0.0.1:15889");
    HazelcastInstance b2 = start(name, 15889, "127.0.0.1:15888,127.0.0.1:15889");
    long deadline = System.currentTimeMillis() + 60_000;
    while (lone.getCluster().getMembers().size() < 3 && System.currentTimeMillis() < deadline) Thread.sleep(100);
    assertThat(lone.getCluster().getMembers()).as("the lone member after the merge").hasSize(3);
    assertThat(b1.getCluster().getMembers()).hasSize(3);
    assertThat(b2.getCluster().getMembers()).hasSize(3);
    assertThat(node(lone).getJoiner()).as("still the quiet joiner after the merge").isInstanceOf(QuietTcpIpJoiner.class);
  }

  private HazelcastInstance start(String clusterName, int port, String memberList) {
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(ClusterSetup.hazelcast(clusterName, "127.0.0.1", port, memberList));
    members.add(hz);
    return hz;
  }

  private static Node node(HazelcastInstance hz) {
    return ((HazelcastInstanceProxy) hz).getOriginal().node;
  }
}
