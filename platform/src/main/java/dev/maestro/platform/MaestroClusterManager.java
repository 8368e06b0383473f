package dev.maestro.platform;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.core.Completable;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Vert.x's Hazelcast cluster manager, except that the event bus stops sending to a member the moment
 * Hazelcast removes it (issue 17, chaos session-kill).
 * <p>Why: vertx-hazelcast 5.0.7 forgets a departed node's consumers only by deleting them from the
 * subscription multimap ({@code removeAllForNodes}, then re-putting every own subscription under a lock)
 * and letting the entry events reach each node's cached selections one address at a time; its
 * {@code registrationsLost()} call does nothing in Vert.x 5's selector. Under load that took seconds: in a
 * chaos run the member left 0.5 s after the kill -9, yet the gateways still picked the dead session node
 * for {@code maestro.session.service} 3.5 s later ("Connecting to server … failed"), and each request
 * handed to it was never answered — the client waited the whole 15-s send timeout (sessions recovered
 * after 19–21 s). Here every selection is filtered: a node Hazelcast has removed is never chosen, and the
 * selections already cached are corrected when the membership event arrives, before the slow clean-up.
 * A node that comes back (a split brain merged) is chosen again.
 */
public class MaestroClusterManager extends HazelcastClusterManager {
  private static final Logger LOG = LoggerFactory.getLogger(MaestroClusterManager.class);
  /** The member attribute under which vertx-hazelcast stores the Vert.x node id. */
  static final String VERTX_NODE_ID = NodeMembership.VERTX_NODE_ID;

  /** Vert.x node ids of members Hazelcast removed (and that have not joined again). */
  private final Set<String> gone = ConcurrentHashMap.newKeySet();
  /** What the selector was last told per address, so it can be told again without a departed node. */
  private final Map<String, List<RegistrationInfo>> told = new ConcurrentHashMap<>();
  /** Orders telling the selector: a stale update computed before a removal never lands after the correction. */
  private final Object telling = new Object();
  private volatile RegistrationListener selector;
  private static final long SLOW_MS = 500;
  /**
   * Where vertx-hazelcast's own membership handling runs, in order. It deletes the departed node's
   * subscriptions and re-puts this node's, one synchronous map operation after another; on Hazelcast's
   * event thread (one here: hazelcast.event.thread.count=1) that held back every other listener — the
   * subscription map's entry events, the sessions' failover (OrphanedTurns), the streams stopped for a
   * dead requester — for seconds after each membership change.
   */
  private final ExecutorService membership = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "maestro-cluster-membership");
    t.setDaemon(true);
    return t;
  });
  /** What Hazelcast's side (the subscription map's entry events) tells instead of the selector. */
  private volatile RegistrationListener filtered;

  public MaestroClusterManager(Config config) {
    super(config);
  }

  @Override
  public void registrationListener(RegistrationListener listener) {
    this.selector = listener;
    this.filtered = new RegistrationListener() {
      @Override
      public void registrationsUpdated(RegistrationUpdateEvent event) {
        synchronized (telling) {
          List<RegistrationInfo> live = live(event.registrations());
          listener.registrationsUpdated(new RegistrationUpdateEvent(event.address(), live));
          remember(event.address(), live);
        }
      }

      @Override
      public void registrationsLost() {
        listener.registrationsLost();
      }

      @Override
      public boolean wantsUpdatesFor(String address) {
        return listener.wantsUpdatesFor(address);
      }
    };
    super.registrationListener(filtered);
  }

  /** The listener the subscription map's updates go to (tests drive it as Hazelcast would). */
  RegistrationListener filtered() {
    return filtered;
  }

  @Override
  public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
    super.getRegistrations(address, (regs, err) -> {
      if (err != null) {
        promise.fail(err);
        return;
      }
      synchronized (telling) {
        List<RegistrationInfo> live = live(regs);
        if (!live.isEmpty()) told.put(address, live);
        promise.succeed(live);
      }
    });
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    String node = event.getMember().getAttribute(VERTX_NODE_ID);
    if (node != null) gone.remove(node);
    later("memberAdded", () -> super.memberAdded(event));
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    String node = event.getMember().getAttribute(VERTX_NODE_ID);
    if (node != null && !node.equals(getNodeId()) && gone.add(node)) forget(node);
    later("memberRemoved", () -> super.memberRemoved(event));
  }

  @Override
  public void stateChanged(LifecycleEvent event) {
    LOG.info("cluster member state: {}", event.getState());
    // merged back after a split: the other side's members are members again, whether or not a
    // memberAdded arrives for each (chaos partition: the merged host's services kept ignoring them)
    if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
      gone.removeIf(this::isMember);
      // the merge restarted Hazelcast's networking, which scheduled its statistics task again
      HazelcastIdleTasks.quiet(getHazelcastInstance());
    }
    later("stateChanged " + event.getState(), () -> super.stateChanged(event));
  }

  /** Whether a Vert.x node id is a member in Hazelcast's current view. */
  private boolean isMember(String node) {
    return NodeMembership.isMember(getHazelcastInstance(), node);
  }

  /** Joins, then cancels Hazelcast's periodic tasks of features Maestro does not use ({@link HazelcastIdleTasks}). */
  @Override
  public void join(Completable<Void> promise) {
    super.join((v, err) -> {
      if (err == null) HazelcastIdleTasks.quiet(getHazelcastInstance());
      promise.complete(v, err);
    });
  }

  @Override
  public void leave(Completable<Void> promise) {
    super.leave((v, err) -> {
      membership.shutdown();
      promise.complete(v, err);
    });
  }

  private void later(String what, Runnable action) {
    try {
      membership.execute(() -> {
        long t0 = System.nanoTime();
        action.run();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // what the subscription clean-up costs (it holds back the next membership change)
        if (ms >= SLOW_MS) LOG.info("vert.x membership handling ({}) took {} ms", what, ms);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // this member has left: nothing to keep up to date
    }
  }

  /** Tells the selector, for every address it holds, the registrations without node's. */
  private void forget(String node) {
    RegistrationListener listener = selector;
    if (listener == null) return;
    int corrected = 0;
    synchronized (telling) {
      for (Map.Entry<String, List<RegistrationInfo>> e : new ArrayList<>(told.entrySet())) {
        String address = e.getKey();
        if (!listener.wantsUpdatesFor(address)) {
          told.remove(address);
          continue;
        }
        if (e.getValue().stream().noneMatch(r -> node.equals(r.nodeId()))) continue;
        List<RegistrationInfo> live = live(e.getValue());
        listener.registrationsUpdated(new RegistrationUpdateEvent(address, live));
        remember(address, live);
        corrected++;
      }
    }
    LOG.info("node {} left the cluster: no longer chosen for {} address(es)", node, corrected);
  }

  private void remember(String address, List<RegistrationInfo> live) {
    RegistrationListener listener = selector;
    if (live.isEmpty() || listener == null || !listener.wantsUpdatesFor(address)) told.remove(address);
    else told.put(address, live);
  }

  /** regs without those of departed nodes. */
  List<RegistrationInfo> live(List<RegistrationInfo> regs) {
    if (regs == null || regs.isEmpty()) return List.of();
    if (gone.isEmpty()) return regs;
    List<RegistrationInfo> live = new ArrayList<>(regs.size());
    for (RegistrationInfo r : regs) {
      // a departed node Hazelcast lists again (its memberAdded not handled yet) is no longer gone
      if (!gone.contains(r.nodeId()) || (getHazelcastInstance() != null && isMember(r.nodeId()) && gone.remove(r.nodeId()))) {
        live.add(r);
      }
    }
    return live;
  }
}
