package dev.maestro.platform;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Work done on behalf of another cluster node (a provider stream, a running command) that nobody will
 * read once that node is gone (kill -9, a partition): the requester's node id travels with the request
 * ({@link #FIELD}), the serving service watches it here and stops the work when the node leaves the
 * cluster (a Hazelcast membership event), or at once when it had left before the request was registered.
 * Vert.x's own node-listener slot is left to the event bus: this registers a Hazelcast listener of its own.
 * On a plain (non-clustered) Vert.x nothing is ever gone.
 */
public final class DeadRequesterWatch implements io.vertx.core.shareddata.Shareable {
  private static final Logger LOG = LoggerFactory.getLogger(DeadRequesterWatch.class);
  /** The request field carrying the requesting node's cluster node id (absent: not watched). */
  public static final String FIELD = "requesterNode";

  private final ClusterManager cluster;
  private final Map<String, Set<Watch>> watches = new ConcurrentHashMap<>();
  /** Run (once) when any member leaves: see {@link #watchAnyLeaving}. */
  private final Set<Watch> anyLeaving = ConcurrentHashMap.newKeySet();
  /** Run when this member merged into another cluster: see {@link #watchMerged}. */
  private final Set<Watch> merged = ConcurrentHashMap.newKeySet();
  /** Run each time the cluster re-forms after a split: see {@link #onRejoin}. */
  private final Set<Watch> rejoined = ConcurrentHashMap.newKeySet();
  /** Vert.x node ids of members that left (a member back under the same id: a partition healed). */
  private final Set<String> departed = ConcurrentHashMap.newKeySet();
  private HazelcastInstance hazelcast;
  private NodeMembership membership;

  private record Watch(Context context, Runnable onGone) {}

  private DeadRequesterWatch(ClusterManager cluster) {
    this.cluster = cluster;
  }

  /** This process's cluster node id, what requests carry in {@link #FIELD}; null when not clustered. */
  public static String localNode(Vertx vertx) {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    return cm == null ? null : cm.getNodeId();
  }

  /**
   * One watch per Vert.x instance for callers with many short-lived users (a live session's provider
   * streams): one Hazelcast listener instead of one per session. Never stopped: it ends with the member.
   */
  public static DeadRequesterWatch shared(Vertx vertx) {
    return vertx.sharedData().<String, DeadRequesterWatch>getLocalMap(DeadRequesterWatch.class.getName())
        .computeIfAbsent("watch", k -> start(vertx));
  }

  /** Starts listening to the cluster's membership (nothing to listen to on a plain Vert.x). */
  public static DeadRequesterWatch start(Vertx vertx) {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    DeadRequesterWatch w = new DeadRequesterWatch(cm);
    w.hazelcast = NodeMembership.hazelcast(vertx);
    if (w.hazelcast != null) {
      w.membership = NodeMembership.listen(vertx, new NodeMembership.Listener() {
        @Override
        public void nodeAdded(String node, int members) {
          // a node that had left is back: the other side of a healed partition merged into this one
          if (node != null && w.departed.remove(node)) w.run(w.rejoined, false);
        }

        @Override
        public void nodeRemoved(String node, int members) {
          if (node != null) {
            w.departed.add(node);
            w.nodeLeft(node);
          }
        }
      });
      w.hazelcast.getLifecycleService().addLifecycleListener(event -> {
        if (event.getState() != com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) return;
        if (!w.merged.isEmpty() || !w.rejoined.isEmpty()) {
          LOG.info("this member merged into the cluster after a split: work across the split is checked again");
        }
        w.run(w.merged, true);
        w.run(w.rejoined, false);
      });
    }
    return w;
  }

  /**
   * Runs onGone (on the caller's context) once node leaves the cluster; at once if it is not a member now.
   * A null node (a request without {@link #FIELD}) is not watched. → what ends the watch (call it when the work ends).
   */
  public Runnable watch(String node, Runnable onGone) {
    if (node == null || node.isBlank() || cluster == null) return () -> {};
    Watch w = new Watch(Vertx.currentContext(), onGone);
    watches.computeIfAbsent(node, k -> ConcurrentHashMap.newKeySet()).add(w);
    if (!isMember(node)) nodeLeft(node);
    return () -> watches.computeIfPresent(node, (k, set) -> {
      set.remove(w);
      return set.isEmpty() ? null : set;
    });
  }

  /**
   * Runs onGone (on the caller's context) once, when any member leaves the cluster: for a request sent to
   * an address served by several nodes, where the sender cannot know which node got it.
   * → what ends the watch. On a plain Vert.x nothing ever leaves.
   */
  public Runnable watchAnyLeaving(Runnable onGone) {
    if (cluster == null) return () -> {};
    Watch w = new Watch(Vertx.currentContext(), onGone);
    anyLeaving.add(w);
    return () -> anyLeaving.remove(w);
  }

  /**
   * False when a request names a requesting node that is not a member of this cluster now: it left, or a
   * network partition has healed but the two sides have not merged yet (Hazelcast's split-brain merge runs
   * seconds later). Work for such a node is refused rather than started: what it would send back cannot
   * reach it (its subscriptions were dropped from this side's view), so it would wait for nothing until its
   * own timeout (chaos partition: turns hung for 180 s on a provider stream cancelled here at once). The
   * refusal is a reply, which travels straight back to the requester. True for an unnamed node (a request
   * without {@link #FIELD}) and on a plain Vert.x.
   */
  public boolean mayServe(String node) {
    return node == null || node.isBlank() || cluster == null || isMember(node);
  }

  /**
   * Runs onMerged (on the caller's context, once) when this member merges into another cluster after a
   * network partition: Hazelcast restarts this member's node, and until its subscriptions are published
   * again what the others send to it is dropped (chaos partition: provider streams opened around the merge
   * never got an event). → what ends the watch. On a plain Vert.x nothing ever merges.
   */
  public Runnable watchMerged(Runnable onMerged) {
    if (cluster == null) return () -> {};
    Watch w = new Watch(Vertx.currentContext(), onMerged);
    merged.add(w);
    return () -> merged.remove(w);
  }

  /**
   * Runs action (on the caller's context) each time the cluster re-forms after a split: this member
   * merged into another cluster, or a member that had left is back. What crossed the split meanwhile
   * may have been lost. → what ends it.
   */
  public Runnable onRejoin(Runnable action) {
    if (cluster == null) return () -> {};
    Watch w = new Watch(Vertx.currentContext(), action);
    rejoined.add(w);
    return () -> rejoined.remove(w);
  }

  private void run(Set<Watch> watches, boolean once) {
    for (Watch w : new ArrayList<>(watches)) {
      if (once && !watches.remove(w)) continue;
      if (w.context() != null) w.context().runOnContext(v -> w.onGone().run());
      else w.onGone().run();
    }
  }

  /**
   * Whether node is in the cluster now. Vert.x's node list follows Hazelcast's membership events, which a
   * busy member handles a little after the join: a node that has just joined (and already sent a request)
   * may not be on it yet, so Hazelcast's own member list is asked too before calling it gone.
   */
  private boolean isMember(String node) {
    if (cluster.getNodes().contains(node)) return true;
    // Hazelcast shutting down: what Vert.x knows is all there is
    return NodeMembership.isMember(hazelcast, node);
  }

  /** The node left: every work done for it is stopped. */
  void nodeLeft(String node) {
    for (Watch w : new ArrayList<>(anyLeaving)) {
      if (!anyLeaving.remove(w)) continue;
      if (w.context() != null) w.context().runOnContext(v -> w.onGone().run());
      else w.onGone().run();
    }
    Set<Watch> gone = watches.remove(node);
    if (gone == null || gone.isEmpty()) return;
    LOG.info("node {} left the cluster: stopping {} piece(s) of work it had requested", node, gone.size());
    for (Watch w : gone) {
      if (w.context() != null) w.context().runOnContext(v -> w.onGone().run());
      else w.onGone().run();
    }
  }

  /** Work watched now (tests, metrics). */
  public int watching() {
    return watches.values().stream().mapToInt(Set::size).sum();
  }

  public void stop() {
    if (membership != null) membership.stop();
  }
}
