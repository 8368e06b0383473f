package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds sessions with waiting messages and no live owner (session-service restarted, or the owner's
 * node died) and activates them, so their queue runs without any client: at start and then every
 * {@link RuntimeSettings#queueSweepMs}. Several nodes may sweep at once; the router makes exactly one
 * of them the owner, and a drain is harmless twice.
 */
final class QueueSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(QueueSweeper.class);

  private final Vertx vertx;
  private final RuntimeStore store;
  private final SessionRouter router;
  private final long periodMs;
  private long timer = -1;
  private boolean sweeping;

  QueueSweeper(Vertx vertx, RuntimeStore store, SessionRouter router, long periodMs) {
    this.vertx = vertx;
    this.store = store;
    this.router = router;
    this.periodMs = periodMs;
  }

  void start() {
    sweep();
    timer = vertx.setPeriodic(periodMs, t -> sweep());
  }

  void stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }

  Future<Void> sweep() {
    if (sweeping) return Future.succeededFuture();
    sweeping = true;
    return store.sessionsWithQueue().compose(rows -> {
      List<Future<?>> all = new ArrayList<>();
      for (String[] r : rows) {
        if (r[1] != null && router.alive(r[1])) continue;
        LOG.info("session {}: has queued messages and no live owner; activating it", r[0]);
        all.add(router.call(r[0], new LiveCommand.Runtime(new JsonObject().put("op", "drain")))
            .onFailure(e -> LOG.info("session {}: cannot activate for its queue yet: {}", r[0], e.getMessage())));
      }
      return Future.join(all).<Void>mapEmpty();
    }).recover(e -> {
      LOG.warn("cannot look for queued messages: {}", e.getMessage());
      return Future.succeededFuture();
    }).onComplete(ar -> sweeping = false);
  }
}
