package dev.maestro.session;

import io.vertx.core.json.JsonObject;

import java.util.function.Predicate;

/**
 * What the parts of one live session share: its stored row, the history sent to the model, and the
 * event log. The row is read once, at activation, and kept: an edit made on any node is pushed here
 * ({@link LiveCommand.SessionChanged}), so a turn neither re-reads it nor asks who may use it.
 */
final class LiveState {
  final String sessionId;
  final String ownerId;
  /** The session as stored (replaced when it is edited); its userId answers who may use the live session. */
  JsonObject stored;
  /** What the running turn or compaction works with: a copy of {@link #stored} taken when it began (plus project rules). */
  JsonObject session;
  final LiveHistory history;
  final EventLog events;
  /** Whether an owner id (this one or another node's) is still alive: stale claims of dead owners do not count. */
  final Predicate<String> ownerAlive;
  /** The public lifecycle events (maestro.events) derived from what this session publishes. */
  final TurnLifecycleEvents lifecycle;
  /** This copy's owner epoch: every write that matters is guarded by it (issue 17). */
  final OwnerFence fence;
  /** Where the ends of turns published here are stored, for clients that resume from another owner. */
  final TurnEnds ends;

  LiveState(String sessionId, String ownerId, JsonObject session, LiveHistory history, EventLog events,
            Predicate<String> ownerAlive, OwnerFence fence, TurnEnds ends) {
    this.sessionId = sessionId;
    this.ends = ends;
    this.fence = fence;
    this.ownerId = ownerId;
    this.stored = session;
    this.session = session.copy();
    this.history = history;
    this.events = events;
    this.ownerAlive = ownerAlive;
    this.lifecycle = new TurnLifecycleEvents(events.bus(), sessionId, () -> this.stored.getString("userId"));
  }

  void publish(JsonObject event) {
    // a fenced (stale) copy publishes nothing, integration events included
    if (events.publish(event) != null) lifecycle.observe(event);
  }

  /** Publishes the end of a turn and stores the seq it went out with (TurnEnds): it outlives this copy. */
  void publishTurnEnd(String turnId, String status) {
    JsonObject event = dev.maestro.contracts.session.SessionEvents.turnCompleted(turnId, status);
    if (events.publish(event) == null) return;
    lifecycle.observe(event);
    ends.published(turnId, events.lastSeq());
  }
}
