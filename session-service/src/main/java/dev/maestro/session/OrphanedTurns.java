package dev.maestro.session;

import dev.maestro.platform.NodeMembership;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Failover without client action: when a node leaves the cluster (a Hazelcast membership event: a
 * crash, kill -9, a partition), every surviving session node looks up the sessions whose turn was
 * running on that node and re-activates them through its {@link SessionRouter}. Activation takes the
 * ownership over (one survivor wins; the others forward to it), stores the running turn and its
 * streaming message as interrupted and publishes turn_completed(interrupted), so subscribed clients
 * see the end of the turn and the session is live again before anyone sends. Vert.x's own node
 * listener slot is left alone (the event bus uses it): this registers a second Hazelcast listener.
 */
final class OrphanedTurns {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanedTurns.class);

  private final Context context;
  private final SessionRouter router;
  private final Pool pool;
  private NodeMembership membership;
  private final SplitSide side = new SplitSide(System::currentTimeMillis);

  OrphanedTurns(Context context, SessionRouter router, Pool pool) {
    this.context = context;
    this.router = router;
    this.pool = pool;
  }

  /** Starts listening to membership (no-op on a plain, non-clustered Vert.x). */
  OrphanedTurns start(Vertx vertx) {
    membership = NodeMembership.listen(vertx, new NodeMembership.Listener() {
      @Override
      public void nodeAdded(String node, int members) {
        // nothing to recover
        side.view(members);
      }

      @Override
      public void nodeRemoved(String node, int members) {
        // Vert.x's node id (what owner ids start with) is a member attribute, not the member's uuid
        side.view(members);
        if (node == null) return;
        // called on a Hazelcast thread: the router is used on its own context only
        context.runOnContext(v -> recover(node));
      }
    });
    if (membership.clustered()) side.view(membership.members());
    return this;
  }

  void stop() {
    if (membership != null) membership.stop();
  }

  /** Re-activates here (or at whichever survivor won) every session with a turn running on node → their ids. */
  Future<List<String>> recover(String node) {
    return sessionsRunningOn(node).compose(ids -> {
      // decided when the answer is there: on a side cut off from PostgreSQL too, that is after the heal
      String leave = ids.isEmpty() ? null : leaveAlone(node);
      if (leave != null) {
        LOG.info("node {} left with {} turn(s) running; not taking them over: {}", node, ids.size(), leave);
        return Future.succeededFuture(List.<String>of());
      }
      if (!ids.isEmpty()) LOG.info("node {} left with {} turn(s) running: re-activating their sessions", node, ids.size());
      List<Future<String>> all = new ArrayList<>();
      for (String id : ids) {
        all.add(router.call(id, new LiveCommand.State()).map(id)
            .onFailure(err -> LOG.warn("session {}: could not re-activate after node {} left: {}", id, node, err.getMessage())));
      }
      return Future.join(all).transform(ar -> {
        List<String> done = new ArrayList<>();
        for (Future<String> f : all) if (f.succeeded()) done.add(f.result());
        return Future.succeededFuture(done);
      });
    }).onFailure(err -> LOG.warn("cannot look up the turns of node {} that left: {}", node, err.getMessage()));
  }

  /**
   * Why the turns of node are left to their owner (null: they are taken over): it is back in the cluster (a
   * healed partition merged meanwhile), or this node is on the smaller side of a split ({@link SplitSide}:
   * node is alive on the larger side, whose clients it serves; taking its sessions over from here interrupted
   * their running turns and kept the end of each on this side only — chaos partition's stalled turns).
   */
  private String leaveAlone(String node) {
    if (membership == null || !membership.clustered()) return null;
    if (membership.isMember(node)) return "it is a member again";
    int members = membership.members();
    return side.smaller(members) ? "this node sees " + members + " members, less than half of the cluster it was in" : null;
  }

  /** Owner ids are "nodeId/routerId" (SessionRouter): the turns whose owner ran on node. */
  private Future<List<String>> sessionsRunningOn(String node) {
    return pool.preparedQuery("SELECT DISTINCT session_id FROM turn WHERE status = 'running' AND starts_with(owner_node, $1)")
        .execute(Tuple.of(node + "/"))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          for (Row r : rows) ids.add(r.getUUID("session_id").toString());
          return ids;
        });
  }
}
