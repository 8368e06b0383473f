package dev.maestro.session;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ends of turns, kept past the live copy that published them (issue 17, chaos partition). In a
 * split the cut-off side may take a session over and end its running turn as interrupted: that
 * {@code turn_completed} then lives in that copy's {@link EventLog} only, and once the merged cluster
 * serves the session from another copy, a client that was following the turn would wait for an end
 * nobody holds. So every published turn end is stored with the turn ({@code end_seq}, {@code end_epoch}),
 * and an owner asked for the events after a seq its own log does not reach back to hands out the turn
 * ends stored in between first — the very envelopes that were published (same seq, same epoch, so a
 * client that had one drops it as seen, no seq is used twice, and epochs still rise with seq).
 * <p>What the earlier owner published between the client's seq and such an end (the deltas of a turn a
 * client saw in part from a copy cut off by a partition) nobody holds any more: each replayed end that
 * does not directly follow what the client has is preceded by a {@code truncated} marker announcing
 * the numbers in between ({@code fromSeq}..{@code throughSeq}, the marker's own seq being
 * {@code throughSeq}, its epoch the end's) and naming the turn, so a client reloads that turn's stored
 * messages instead of taking the skip for lost events.
 */
final class TurnEnds {
  private static final Logger LOG = LoggerFactory.getLogger(TurnEnds.class);
  /** At most this many earlier turn ends per answer: what a resuming client waits for is the latest. */
  static final int REPLAY_LIMIT = 16;

  private final SessionStore store;
  private final String sessionId;
  private final long epoch;
  /** The last seq before this copy's own: what lies at or below it was published by earlier owners. */
  private final long before;
  private Future<Void> recording = Future.succeededFuture();

  TurnEnds(SessionStore store, String sessionId, long epoch, long seqStart) {
    this.store = store;
    this.sessionId = sessionId;
    this.epoch = epoch;
    this.before = seqStart;
  }

  /** The end of turnId went out as seq: stored (a failure only means no later owner can hand it out). */
  void published(String turnId, long seq) {
    recording = store.recordTurnEnd(turnId, seq, epoch).recover(err -> {
      LOG.warn("session {}: cannot store the end of turn {} (seq {}): {}", sessionId, turnId, seq, err.getMessage());
      return Future.succeededFuture();
    });
  }

  /** Completes once the last end published here is stored (a passivating copy waits for it). */
  Future<Void> recorded() {
    return recording;
  }

  /**
   * held (this copy's events after afterSeq), preceded by the turn ends earlier owners published after
   * afterSeq. A client with no seq yet (≤ 0: it read the stored state) or one within this copy's own
   * numbers needs none: no query then, which is every resume but one across an owner change.
   */
  Future<JsonArray> withEarlier(long afterSeq, JsonArray held) {
    if (afterSeq <= 0 || afterSeq >= before) return Future.succeededFuture(held);
    return store.turnEndsBetween(sessionId, afterSeq, before, epoch, REPLAY_LIMIT).map(ends -> {
      if (ends.isEmpty()) return held;
      JsonArray items = new JsonArray();
      // (all below this copy's own numbers: they come first, in seq order)
      long covered = afterSeq;
      for (SessionStore.TurnEnd e : ends) {
        if (e.seq() > covered + 1) {
          // the numbers in between were the earlier owner's: announced, so the client reloads the turn
          items.add(SessionEvents.envelope(sessionId, e.seq() - 1, e.epoch(),
              SessionEvents.truncated(covered + 1, e.seq() - 1, e.turnId())));
        }
        items.add(SessionEvents.envelope(sessionId, e.seq(), e.epoch(), SessionEvents.turnCompleted(e.turnId(), e.status())));
        covered = e.seq();
      }
      held.forEach(items::add);
      return items;
    }).recover(err -> {
      LOG.warn("session {}: cannot read the turn ends before seq {}: {}", sessionId, before, err.getMessage());
      return Future.succeededFuture(held);
    });
  }
}
