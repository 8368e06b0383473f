package dev.maestro.session;

import dev.maestro.platform.Admission;
import dev.maestro.platform.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The admission of this node's turn starts and session activations ahead of its database pool (issue 14), sized
 * from the pool (README "Performance", session-service README):
 * <ul>
 *   <li>{@value #IN_FLIGHT} (default: half the pool, at least 1) run at once. Half, because an admitted turn start
 *       uses two connections at the same time: its start transaction and, sent in parallel, its first budget
 *       reservation; the rest of the pool serves what running turns write (their ends, checkpoints) and reads.</li>
 *   <li>{@value #SHARED} (default {@value #SHARED_DEFAULT}): the turn starts of one user that share one of those
 *       places. A user's starts are group-committed ({@link TurnStarts}: one transaction at a time per user, however
 *       many starts it holds) and so are its budget reservations ({@link BudgetLedger}), so a burst of one user's
 *       starts holds the same two connections whether 8 or 256 of them run: counted one place each, they let at most
 *       8 into a transaction (bench e2e, 1,000 streams of one user with five processes: 80–120 starts a second, the
 *       rest refused after the wait). Activations (no user known before their session row is read, and several
 *       statements of their own) keep a place each. 1: every start its own place, as before.</li>
 *   <li>{@value #QUEUE} (default: 128 × the pool, 2,048 for 16 connections) wait at most, first come first
 *       started; one more is refused at once with 503 overloaded.</li>
 *   <li>{@value #WAIT_MS} (default 8,000): the longest wait; then 503 overloaded. Below the 12 s within which a
 *       session command must be answered (SessionRouter), so a refused start is answered as such, never as a
 *       time-out after which it might still begin.</li>
 * </ul>
 */
final class StartAdmission {
  static final String IN_FLIGHT = "MAESTRO_SESSION_ADMISSION_IN_FLIGHT";
  static final String QUEUE = "MAESTRO_SESSION_ADMISSION_QUEUE";
  static final String WAIT_MS = "MAESTRO_SESSION_ADMISSION_WAIT_MS";
  static final String SHARED = "MAESTRO_SESSION_ADMISSION_SHARED";
  static final int SHARED_DEFAULT = 32;
  /** The label of its metrics ({@code work}). */
  static final String WORK = "session.start";

  private StartAdmission() {}

  static Admission.Limits limits(JsonObject config, int poolSize) {
    Settings s = Settings.of(config);
    return new Admission.Limits(
        s.integer(IN_FLIGHT, Math.max(1, poolSize / 2), 1, Integer.MAX_VALUE),
        s.integer(QUEUE, (int) Math.min(Integer.MAX_VALUE, 128L * poolSize), 0, Integer.MAX_VALUE),
        s.whole(WAIT_MS, 8_000, 1, Long.MAX_VALUE),
        s.integer(SHARED, SHARED_DEFAULT, 1, Integer.MAX_VALUE));
  }

  static Admission of(Vertx vertx, JsonObject config, int poolSize) {
    return new Admission(vertx, "session-service", WORK, limits(config, poolSize));
  }
}
