package dev.maestro.session;

import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/**
 * The public lifecycle events of one live session (turn.started, turn.completed with the turn's
 * summed usage, approval.required, approval.answered), derived from the session's own events as the
 * live session publishes them, so the turn loop needs no second set of publishing calls. Carries ids,
 * statuses, a tool name and token counts only (never text or tool arguments): see BUS.md.
 */
final class TurnLifecycleEvents {
  private final EventBus bus;
  private final String sessionId;
  private final Supplier<String> userId;
  private String turnId;
  private long inputTokens;
  private long outputTokens;
  private Double costUsd;

  TurnLifecycleEvents(EventBus bus, String sessionId, Supplier<String> userId) {
    this.bus = bus;
    this.sessionId = sessionId;
    this.userId = userId;
  }

  /** Called with every session event the live session publishes (in seq order). */
  void observe(JsonObject event) {
    switch (String.valueOf(event.getString("type"))) {
      case SessionEvents.TURN_STARTED -> {
        turnId = event.getString("turnId");
        inputTokens = 0;
        outputTokens = 0;
        costUsd = null;
        publish(IntegrationEvents.turnStarted(userId.get(), sessionId, turnId));
      }
      case SessionEvents.MESSAGE_COMPLETED -> {
        JsonObject usage = event.getJsonObject("usage", new JsonObject());
        inputTokens += usage.getLong("inputTokens", 0L);
        outputTokens += usage.getLong("outputTokens", 0L);
        if (usage.getValue("costUsd") instanceof Number c) costUsd = (costUsd == null ? 0 : costUsd) + c.doubleValue();
      }
      // (an approval asked again by the owner a drain handed the turn to was announced once already)
      case SessionEvents.APPROVAL_REQUIRED -> {
        if (!event.getBoolean("restored", false)) {
          publish(IntegrationEvents.approvalRequired(userId.get(), sessionId, turnId, event.getString("callId"), event.getString("name")));
        }
      }
      case SessionEvents.TURN_COMPLETED -> {
        // a turn interrupted on a dead owner is completed by the next owner, which never saw its start
        boolean same = event.getString("turnId") != null && event.getString("turnId").equals(turnId);
        publish(IntegrationEvents.turnCompleted(userId.get(), sessionId, event.getString("turnId"), event.getString("status"),
            same ? inputTokens : 0, same ? outputTokens : 0, same ? costUsd : null));
        if (same) turnId = null;
      }
      default -> { }
    }
  }

  /** A turn handed over by a draining owner goes on here: its end is reported as this turn's. */
  void resumed(String turnId) {
    this.turnId = turnId;
    inputTokens = 0;
    outputTokens = 0;
    costUsd = null;
  }

  /** An approval was answered by the user (decision allow | deny). */
  void approvalAnswered(String callId, String decision) {
    publish(IntegrationEvents.approvalAnswered(userId.get(), sessionId, callId, decision));
  }

  private void publish(JsonObject envelope) {
    IntegrationEvents.publish(bus, envelope);
  }
}
