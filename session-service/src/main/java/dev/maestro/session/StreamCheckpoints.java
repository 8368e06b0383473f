package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Writes what has streamed so far of an assistant message to PostgreSQL every {@link #PERIOD_MS}
 * while it streams (only when it changed), not only at the end of the round: when its owner dies
 * mid-stream, the survivor that takes the session over stores the message as interrupted with that
 * text instead of an empty one. A checkpoint touches only a row still 'streaming', so one that is
 * late never overwrites the final content or status (complete, cancelled, interrupted).
 * <p>The same statement says whether this copy's owner epoch is still current (issue 17): a copy
 * streaming on the far side of a partition learns within a period that another node took the session
 * over, and stops ({@link OwnerFence#refused()}) — no extra statement per chunk.
 */
final class StreamCheckpoints {
  static final long PERIOD_MS = 1_000;

  private StreamCheckpoints() {}

  /** Runs on the session's context (the message is appended to there) until end completes. */
  static void during(Vertx vertx, Pool pool, StreamedMessage message, Future<?> end, OwnerFence fence) {
    if (end.isComplete()) return;
    UUID id = UUID.fromString(message.message.getString("id"));
    int[] written = {new JsonArray().hashCode()};
    long timer = vertx.setPeriodic(PERIOD_MS, t -> {
      message.flush();
      JsonArray content = message.message.getJsonArray("content").copy();
      int h = content.hashCode();
      if (h == written[0]) return;
      written[0] = h;
      pool.preparedQuery("WITH s AS (SELECT owner_epoch = $4 AS current FROM session WHERE id = $5),"
              + " u AS (UPDATE message SET content = $2, text_content = $3 WHERE id = $1 AND status = 'streaming'"
              + " AND (SELECT current FROM s) RETURNING 1) SELECT current FROM s")
          .execute(Tuple.of(id, content, Messages.searchText(content), fence.epoch, UUID.fromString(fence.sessionId)))
          .onSuccess(rows -> {
            if (end.isComplete()) return;
            if (rows.size() == 0 || !Boolean.TRUE.equals(rows.iterator().next().getBoolean("current"))) fence.refused();
          });
    });
    end.onComplete(ar -> vertx.cancelTimer(timer));
  }
}
