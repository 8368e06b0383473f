package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner epoch of one live copy of a session (issue 17) and what happens when it turns out stale.
 * Each activation takes the next epoch from PostgreSQL ({@link SessionStore#claimLive}); every write
 * that matters carries it in its WHERE clause, so once another node has activated the session (a
 * partition: both believe they own it) this copy's writes affect 0 rows. The first such refusal runs
 * {@code onStale} once — the copy stops publishing, cancels its provider stream and undeploys — and the
 * write fails with {@link ErrorCodes#STALE_OWNER}. No extra statement: the check is the write itself.
 */
final class OwnerFence {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerFence.class);

  /** For writes outside a live copy (none are guarded): never refuses. */
  static final OwnerFence NONE = new OwnerFence(null, -1);

  final String sessionId;
  final long epoch;
  private Runnable onStale = () -> { };
  private boolean stale;

  OwnerFence(String sessionId, long epoch) {
    this.sessionId = sessionId;
    this.epoch = epoch;
  }

  /** What the live copy does when it learns it is stale (run once, on the context of the refused write). */
  void onStale(Runnable action) {
    this.onStale = action;
  }

  boolean stale() {
    return stale;
  }

  /** A guarded write affected rowCount rows: 0 means another owner holds a newer epoch. */
  Future<Void> check(int rowCount) {
    return rowCount > 0 ? Future.succeededFuture() : refused();
  }

  /** Marks this copy stale (once) and answers STALE_OWNER. */
  <T> Future<T> refused() {
    if (!stale) {
      stale = true;
      LOG.warn("session {}: epoch {} is stale (another node activated the session); this copy stops", sessionId, epoch);
      onStale.run();
    }
    return staleOwner();
  }

  static <T> Future<T> staleOwner() {
    return ServiceException.fail(ErrorCodes.STALE_OWNER,
        "this session moved to another node while the request was under way; nothing was done here, retry");
  }

  static boolean isStale(Throwable err) {
    return err instanceof ServiceException se && se.failureCode() == ErrorCodes.STALE_OWNER;
  }
}
