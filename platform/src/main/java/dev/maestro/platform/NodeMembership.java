package dev.maestro.platform;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.UUID;

/**
 * The cluster's membership told in Vert.x node ids (what owner ids and {@link DeadRequesterWatch#FIELD}
 * carry), for the classes that react to a node leaving or coming back. Each holder registers a Hazelcast
 * membership listener of its own: Vert.x's single node-listener slot belongs to the event bus. Listeners
 * are called on a Hazelcast event thread. On a plain (non-clustered) Vert.x nothing is listened to, there
 * are no members and nothing ever leaves.
 */
public final class NodeMembership {
  /** The member attribute under which vertx-hazelcast stores the Vert.x node id. */
  public static final String VERTX_NODE_ID = "__vertx.nodeId";

  /** A change of membership: the node's Vert.x id (null for a member without one) and the member count after it. */
  public interface Listener {
    default void nodeAdded(String node, int members) {
      // most holders only care about departures
    }

    void nodeRemoved(String node, int members);
  }

  private static final NodeMembership NONE = new NodeMembership(null, null);

  private final HazelcastInstance hazelcast;
  private final UUID registration;

  private NodeMembership(HazelcastInstance hazelcast, UUID registration) {
    this.hazelcast = hazelcast;
    this.registration = registration;
  }

  /** Starts hearing membership changes (nothing on a plain Vert.x); {@link #stop()} ends it. */
  public static NodeMembership listen(Vertx vertx, Listener listener) {
    HazelcastInstance hz = hazelcast(vertx);
    if (hz == null) return NONE;
    UUID registration = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        listener.nodeAdded(event.getMember().getAttribute(VERTX_NODE_ID), event.getMembers().size());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        listener.nodeRemoved(event.getMember().getAttribute(VERTX_NODE_ID), event.getMembers().size());
      }
    });
    return new NodeMembership(hz, registration);
  }

  /** The Hazelcast member under vertx's cluster manager, or null when vertx is not clustered on Hazelcast. */
  public static HazelcastInstance hazelcast(Vertx vertx) {
    return ((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager hz ? hz.getHazelcastInstance() : null;
  }

  /** Whether this is a clustered Vert.x (a membership to hear at all). */
  public boolean clustered() {
    return hazelcast != null;
  }

  /** Members in Hazelcast's current view (0 on a plain Vert.x or while shutting down). */
  public int members() {
    if (hazelcast == null) return 0;
    try {
      return hazelcast.getCluster().getMembers().size();
    } catch (RuntimeException e) {
      return 0; // not joined, or shutting down: there is no view to ask
    }
  }

  /** Whether a Vert.x node id is a member in Hazelcast's current view. */
  public boolean isMember(String node) {
    return isMember(hazelcast, node);
  }

  /** {@link #isMember(String)} for a holder that has the instance already (the cluster manager itself). */
  static boolean isMember(HazelcastInstance hazelcast, String node) {
    if (hazelcast == null || node == null) return false;
    try {
      for (Member m : hazelcast.getCluster().getMembers()) {
        if (node.equals(m.getAttribute(VERTX_NODE_ID))) return true;
      }
    } catch (RuntimeException e) {
      // not joined, or shutting down: Hazelcast's view is not there to ask
    }
    return false;
  }

  /** Stops hearing changes; harmless twice, or after Hazelcast shut down. */
  public void stop() {
    if (hazelcast == null || registration == null) return;
    try {
      hazelcast.getCluster().removeMembershipListener(registration);
    } catch (RuntimeException ignored) {
      // Hazelcast already shut down
    }
  }
}
