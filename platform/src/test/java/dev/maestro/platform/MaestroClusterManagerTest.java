package dev.maestro.platform;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.impl.MemberImpl;
import com.hazelcast.config.Config;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The event bus stops choosing a node the moment Hazelcast removes it, not when the subscription map's
 * clean-up reaches every node (chaos session-kill: requests handed to a killed session node for 3.5 s
 * after it left, each unanswered for 15 s). Driven as Hazelcast drives it: updates of the subscription
 * map and membership events, with the event bus's selector replaced by a recorder.
 */
class MaestroClusterManagerTest {
  private final MaestroClusterManager cm = new MaestroClusterManager(new Config());
  private final Recorder selector = new Recorder();

  MaestroClusterManagerTest() {
    cm.registrationListener(selector);
  }

  @Test
  void aRemovedMemberLeavesTheCachedSelectionsAtOnceAndStaleUpdatesDoNotBringItBack() {
    cm.filtered().registrationsUpdated(update("maestro.session.service", "a", "b"));
    cm.filtered().registrationsUpdated(update("maestro.provider.service", "a"));
    assertEquals(List.of("a", "b"), selector.last("maestro.session.service"));

    cm.memberRemoved(event(MembershipEvent.MEMBER_REMOVED, "b"));
    // corrected before any subscription-map event: only the address b served was told again
    assertEquals(List.of("a"), selector.last("maestro.session.service"));
    assertEquals(1, selector.count("maestro.provider.service"));

    // the map still lists b until its entries are deleted: such an update must not choose b again
    cm.filtered().registrationsUpdated(update("maestro.session.service", "a", "b"));
    assertEquals(List.of("a"), selector.last("maestro.session.service"));
  }

  @Test
  void theOnlyNodeOfAnAddressLeavingEndsTheSelection() {
    cm.filtered().registrationsUpdated(update("maestro.session.router.b/1", "b"));
    cm.memberRemoved(event(MembershipEvent.MEMBER_REMOVED, "b"));
    // no registration left: the selector drops the address, and a send to it fails at once (no handlers)
    assertEquals(List.of(), selector.last("maestro.session.router.b/1"));
  }

  @Test
  void aNodeThatJoinsAgainIsChosenAgain() {
    // a split brain merged: the same Vert.x node is a member again
    cm.memberRemoved(event(MembershipEvent.MEMBER_REMOVED, "b"));
    cm.filtered().registrationsUpdated(update("maestro.session.service", "a", "b"));
    assertEquals(List.of("a"), selector.last("maestro.session.service"));
    cm.memberAdded(event(MembershipEvent.MEMBER_ADDED, "b"));
    cm.filtered().registrationsUpdated(update("maestro.session.service", "a", "b"));
    assertEquals(List.of("a", "b"), selector.last("maestro.session.service"));
  }

  private static RegistrationUpdateEvent update(String address, String... nodes) {
    List<RegistrationInfo> regs = new ArrayList<>();
    long seq = 0;
    for (String n : nodes) regs.add(new RegistrationInfo(n, seq++, false));
    return new RegistrationUpdateEvent(address, regs);
  }

  private static MembershipEvent event(int type, String vertxNode) {
    try {
      MemberImpl member = new MemberImpl.Builder(new Address("127.0.0.1", 5701)).uuid(UUID.randomUUID())
          .attributes(Map.of(MaestroClusterManager.VERTX_NODE_ID, vertxNode)).build();
      // the event's source cluster is not read by the cluster manager: any Cluster will do
      com.hazelcast.cluster.Cluster cluster = (com.hazelcast.cluster.Cluster) java.lang.reflect.Proxy.newProxyInstance(
          MaestroClusterManagerTest.class.getClassLoader(), new Class<?>[] {com.hazelcast.cluster.Cluster.class}, (p, m, a) -> null);
      return new MembershipEvent(cluster, member, type, Set.of(member));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The event bus's selector as the cluster manager sees it: it wants updates for every address it was told of. */
  private static final class Recorder implements RegistrationListener {
    private final Map<String, List<List<String>>> told = new java.util.HashMap<>();

    @Override
    public void registrationsUpdated(RegistrationUpdateEvent event) {
      told.computeIfAbsent(event.address(), k -> new ArrayList<>())
          .add(event.registrations().stream().map(RegistrationInfo::nodeId).toList());
    }

    @Override
    public boolean wantsUpdatesFor(String address) {
      List<List<String>> t = told.get(address);
      return t != null && !t.get(t.size() - 1).isEmpty();
    }

    List<String> last(String address) {
      List<List<String>> t = told.get(address);
      return t.get(t.size() - 1);
    }

    int count(String address) {
      return told.get(address).size();
    }
  }
}
