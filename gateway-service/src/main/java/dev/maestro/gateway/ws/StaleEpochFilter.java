package dev.maestro.gateway.ws;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.json.JsonObject;

/**
 * The follower side of session fencing (issue 17), for one subscribed session: every session event is
 * stamped with the owner epoch of the live copy that published it, and each activation takes a higher
 * one. Once an event of epoch n has been seen, anything stamped below n comes from a stale copy (a node
 * on the far side of a partition still streaming a turn the new owner has interrupted) and is dropped.
 * An envelope without an epoch (an older session node) passes.
 */
final class StaleEpochFilter {
  private long highest = Long.MIN_VALUE;

  /** False when the envelope comes from an owner older than one already seen. */
  boolean accept(JsonObject envelope) {
    Long epoch = envelope.getLong(SessionEvents.EPOCH);
    return accept(epoch == null ? -1 : epoch);
  }

  /** As {@link #accept(JsonObject)} for an epoch read from the event's header; &lt; 0: none (passes). */
  boolean accept(long epoch) {
    if (epoch < 0) return true;
    if (epoch < highest) return false;
    highest = epoch;
    return true;
  }

  /** As {@link #accept(long)}, without raising the highest epoch seen. */
  boolean wouldAccept(long epoch) {
    return epoch < 0 || epoch >= highest;
  }

  long highest() {
    return highest;
  }
}
