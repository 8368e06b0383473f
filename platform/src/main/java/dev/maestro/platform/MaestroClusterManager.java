package dev.maestro.platform;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.multimap.MultiMap;
import io.vertx.core.Completable;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.spi.cluster.hazelcast.impl.HazelcastRegistrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 * <p>And a live node's registrations are guarded (chaos: partition, then session-kill). After a healed
 * partition the cluster could lose a live node's entries in the subscription map for good: a member of the
 * cut-off side deletes the other side's entries when it sees those members leave, and such a clean-up still
 * queued or running when the two sides merge deletes them from the merged map; nobody puts them back until
 * that node's next membership change, so every node then saw "no handlers" for its addresses (provider-service
 * without auth-service's for minutes). So: a clean-up for a node that is a member again is skipped, a node
 * told that an address it serves changed puts back at once a settled entry of its own the map lacks, and
 * every node puts its own entries
 * back (only the missing ones change anything) when a member joins or its side merged.
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
  /** vertx-hazelcast's subscription map (address -> the registrations of every node). */
  static final String SUBS = "__vertx.subs";
  /**
   * This node's cluster-wide registrations (vertx-hazelcast keeps them privately), what the guard restores,
   * each with when it was made (System.nanoTime).
   */
  private final Map<String, Map<RegistrationInfo, Long>> own = new ConcurrentHashMap<>();
  /**
   * A change at an address this node registered less than this long ago is taken for its own doing: no
   * check. A stale clean-up deletes long-lived entries (services, node inboxes); a per-stream consumer
   * (one per turn) is not worth a map read per turn.
   */
  private volatile long settledNanos = TimeUnit.SECONDS.toNanos(2);
  /** Where entries are put back: map operations block, and Hazelcast's event thread must not wait on them. */
  private final ExecutorService guard = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "maestro-cluster-subs-guard");
    t.setDaemon(true);
    return t;
  });
  /** Joined and not leaving: this node's entries are worth putting back. */
  private volatile boolean joined;
  /** Whether changes heard in the map are checked (tests turn it off to lose an entry unheard). */
  private volatile boolean guarding = true;

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
        // vertx-hazelcast asks this for every address whose entries changed (its entry listener, throttled
        // per address): the one place this node hears that someone else deleted an entry of its own
        heard(address);
        return listener.wantsUpdatesFor(address);
      }
    };
    super.registrationListener(filtered);
  }

  @Override
  public void join(Completable<Void> promise) {
    super.join((v, err) -> {
      if (err != null) {
        promise.fail(err);
        return;
      }
      // Hazelcast's periodic tasks of features Maestro does not use, cancelled ({@link HazelcastIdleTasks})
      HazelcastIdleTasks.quiet(getHazelcastInstance());
      joined = true;
      promise.succeed();
    });
  }

  @Override
  public void addRegistration(String address, RegistrationInfo info, Completable<Void> promise) {
    if (info.localOnly()) {
      super.addRegistration(address, info, promise);
      return;
    }
    own.computeIfAbsent(address, a -> new ConcurrentHashMap<>()).put(info, System.nanoTime());
    super.addRegistration(address, info, (v, err) -> {
      if (err != null) drop(address, info);
      promise.complete(v, err);
    });
  }

  @Override
  public void removeRegistration(String address, RegistrationInfo info, Completable<Void> promise) {
    // dropped first: the entry event of this node's own removal must not be taken for a stale clean-up
    if (!info.localOnly()) drop(address, info);
    super.removeRegistration(address, info, promise);
  }

  private void drop(String address, RegistrationInfo info) {
    own.computeIfPresent(address, (a, made) -> {
      made.remove(info);
      return made.isEmpty() ? null : made;
    });
  }

  private boolean owns(String address, RegistrationInfo info) {
    Map<RegistrationInfo, Long> made = own.get(address);
    return made != null && made.containsKey(info);
  }

  private MultiMap<String, HazelcastRegistrationInfo> subs() {
    return getHazelcastInstance().getMultiMap(SUBS);
  }

  /** An address's entries changed: if this node has settled entries there, they are checked (off this thread). */
  private void heard(String address) {
    if (!joined || !guarding) return;
    Map<RegistrationInfo, Long> made = own.get(address);
    if (made == null) return;
    long now = System.nanoTime();
    for (Map.Entry<RegistrationInfo, Long> e : made.entrySet()) {
      if (now - e.getValue() >= settledNanos) {
        onGuard(() -> check(address));
        return;
      }
    }
  }

  /** Puts back this node's settled entries at address that the map lacks. */
  private void check(String address) {
    Map<RegistrationInfo, Long> made = own.get(address);
    if (made == null) return;
    for (RegistrationInfo info : List.copyOf(made.keySet())) {
      if (!subs().containsEntry(address, new HazelcastRegistrationInfo(info))) restore(address, info);
    }
  }

  /** For tests: how old an own entry must be before a change heard at its address is checked. */
  void settledAfter(long nanos) {
    settledNanos = nanos;
  }

  /** For tests: stops checking what is heard, so an entry can be lost unheard. */
  void stopGuard() {
    guarding = false;
  }

  void startGuard() {
    guarding = true;
  }

  private void onGuard(Runnable action) {
    try {
      guard.execute(() -> {
        try {
          action.run();
        } catch (RuntimeException e) {
          // Hazelcast shutting down, or the map unreachable for now: the next membership change tries again
          LOG.warn("could not put this node's event-bus registrations back: {}", e.toString());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // this member has left: nothing to guard
    }
  }

  /** Puts one of this node's entries back, unless the node unregistered it meanwhile. */
  private void restore(String address, RegistrationInfo info) {
    if (putBack(address, info)) {
      LOG.warn("the cluster deleted this node's registration for {} while it lives (a stale clean-up after a"
          + " healed partition?): put back", address);
    }
  }

  /**
   * Puts one of this node's entries in the map if it still holds it; true when the map lacked it. removeRegistration
   * may drop it between the check and the put (its own delete landing before ours): then it is deleted again.
   */
  private boolean putBack(String address, RegistrationInfo info) {
    if (!owns(address, info) || !subs().put(address, new HazelcastRegistrationInfo(info))) return false;
    if (owns(address, info)) return true;
    subs().remove(address, new HazelcastRegistrationInfo(info));
    return false;
  }

  /** Puts back every entry of this node the map lacks (set semantics: one already there changes nothing). */
  private void republishOwn(String why) {
    int back = 0;
    for (Map.Entry<String, Map<RegistrationInfo, Long>> e : own.entrySet()) {
      for (RegistrationInfo info : List.copyOf(e.getValue().keySet())) {
        if (putBack(e.getKey(), info)) back++;
      }
    }
    if (back > 0) LOG.warn("{}: {} of this node's event-bus registrations were missing from the cluster: put back", why, back);
  }

  /** For tests: waits until membership changes and guard work queued so far are handled. */
  void awaitQuiet(long timeoutMs) throws InterruptedException, ExecutionException, TimeoutException {
    membership.submit(() -> { }).get(timeoutMs, TimeUnit.MILLISECONDS);
    guard.submit(() -> { }).get(timeoutMs, TimeUnit.MILLISECONDS);
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
    // after a healed partition the joining side may have deleted entries of this node, and an entry lost
    // with its partition's replicas tells nobody; joins are rare (a start, a restart, a merge), a put of
    // an entry the map holds changes nothing
    if (joined) onGuard(() -> republishOwn("member " + (node == null ? "?" : node) + " joined"));
    later("memberAdded", () -> super.memberAdded(event));
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    String node = event.getMember().getAttribute(VERTX_NODE_ID);
    if (node != null && !node.equals(getNodeId()) && gone.add(node)) forget(node);
    later("memberRemoved", () -> {
      // queued behind slow clean-ups, a departure can be handled after its node came back (a healed
      // partition): deleting its subscriptions then would delete a live node's from the merged map
      if (node != null && getHazelcastInstance() != null && isMember(node)) {
        LOG.info("node {} is a member again: its event-bus registrations are kept", node);
        return;
      }
      super.memberRemoved(event);
    });
  }

  @Override
  public void stateChanged(LifecycleEvent event) {
    LOG.info("cluster member state: {}", event.getState());
    // merged back after a split: the other side's members are members again, whether or not a
    // memberAdded arrives for each (chaos partition: the merged host's services kept ignoring them)
    if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
      gone.removeIf(this::isMember);
      if (joined) onGuard(() -> republishOwn("merged after a split"));
      // the merge restarted Hazelcast's networking, which scheduled its statistics task again
      HazelcastIdleTasks.quiet(getHazelcastInstance());
    }
    later("stateChanged " + event.getState(), () -> super.stateChanged(event));
  }

  /** Whether a Vert.x node id is a member in Hazelcast's current view. */
  private boolean isMember(String node) {
    return NodeMembership.isMember(getHazelcastInstance(), node);
  }

  @Override
  public void leave(Completable<Void> promise) {
    joined = false;
    super.leave((v, err) -> {
      membership.shutdown();
      guard.shutdown();
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
