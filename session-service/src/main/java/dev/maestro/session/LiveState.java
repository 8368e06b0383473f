package dev.maestro.session;

import io.vertx.core.json.JsonObject;

import java.util.function.Predicate;

/**
 * What the parts of one live session share: its stored row (re-read before each turn and
 * compaction, so edits apply), the history sent to the model, and the event log.
 */
final class LiveState {
  final String sessionId;
  final String ownerId;
  JsonObject session;
  final LiveHistory history;
  final EventLog events;
  /** Whether an owner id (this one or another node's) is still alive: stale claims of dead owners do not count. */
  final Predicate<String> ownerAlive;
  /** The public lifecycle events (maestro.events) derived from what this session publishes. */
  final TurnLifecycleEvents lifecycle;
  /** This copy's owner epoch: every write that matters is guarded by it (issue 17). */
  final OwnerFence fence;

  LiveState(String sessionId, String ownerId, JsonObject session, LiveHistory history, EventLog events,
            Predicate<String> ownerAlive, OwnerFence fence) {
    this.sessionId = sessionId;
    this.fence = fence;
    this.ownerId = ownerId;
    this.session = session;
    this.history = history;
    this.events = events;
    this.ownerAlive = ownerAlive;
    this.lifecycle = new TurnLifecycleEvents(events.bus(), sessionId, () -> this.session.getString("userId"));
  }

  void publish(JsonObject event) {
    // a fenced (stale) copy publishes nothing, integration events included
    if (events.publish(event) != null) lifecycle.observe(event);
  }
}
