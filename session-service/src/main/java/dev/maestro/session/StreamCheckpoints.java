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
 */
final class StreamCheckpoints {
  static final long PERIOD_MS = 1_000;

  private StreamCheckpoints() {}

  /** Runs on the session's context (the message is appended to there) until end completes. */
  static void during(Vertx vertx, Pool pool, StreamedMessage message, Future<?> end) {
    if (end.isComplete()) return;
    UUID id = UUID.fromString(message.message.getString("id"));
    int[] written = {new JsonArray().hashCode()};
    long timer = vertx.setPeriodic(PERIOD_MS, t -> {
      message.flush();
      JsonArray content = message.message.getJsonArray("content").copy();
      int h = content.hashCode();
      if (h == written[0]) return;
      written[0] = h;
      pool.preparedQuery("UPDATE message SET content = $2, text_content = $3 WHERE id = $1 AND status = 'streaming'")
          .execute(Tuple.of(id, content, Messages.searchText(content)));
    });
    end.onComplete(ar -> vertx.cancelTimer(timer));
  }
}
