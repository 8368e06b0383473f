package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * The SQL of a turn handed over while it waits for the user's approvals ({@link SessionDrain}): the
 * draining owner stores the turn's waiting state on its turn row (column {@code parked}), the next
 * activation takes it. Both statements carry the owner epoch (issue 17): a stale copy parks nothing
 * and takes nothing.
 */
final class ParkedTurns {
  /** The session is still at owner epoch $2. */
  private static final String CURRENT_OWNER = " AND EXISTS (SELECT 1 FROM session s WHERE s.id = $1 AND s.owner_epoch = $2)";

  private final Pool pool;

  ParkedTurns(Pool pool) {
    this.pool = pool;
  }

  /** Stores the waiting state of the running turn turnId; fails when it is not stored (not running, or a stale epoch). */
  Future<Void> park(String sessionId, String turnId, JsonObject state, OwnerFence fence) {
    return pool.preparedQuery("UPDATE turn SET parked = $4 WHERE session_id = $1 AND id = $3 AND status = 'running'" + CURRENT_OWNER)
        .execute(Tuple.of(UUID.fromString(sessionId), fence.epoch, UUID.fromString(turnId), state))
        .compose(r -> r.rowCount() == 1 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("turn " + turnId + " is not running under epoch " + fence.epoch)));
  }

  /**
   * Run by an activation before it stores the turns left running as interrupted: takes the parked turn
   * (its row now names owner as the node running it, so the "running now" list and the per-user turn
   * count see it alive) → {turnId, state}, or null when none is parked.
   */
  Future<JsonObject> take(String sessionId, String owner, OwnerFence fence) {
    // (joined with itself: RETURNING reads the state as it was before this statement cleared it)
    return pool.preparedQuery("UPDATE turn t SET parked = NULL, owner_node = $3 FROM turn old WHERE old.id = t.id"
            + " AND t.session_id = $1 AND t.status = 'running' AND t.parked IS NOT NULL" + CURRENT_OWNER + " RETURNING t.id, old.parked")
        .execute(Tuple.of(UUID.fromString(sessionId), fence.epoch, owner))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return new JsonObject().put("turnId", r.getUUID("id").toString()).put("state", (JsonObject) r.getJson("parked"));
        });
  }
}
