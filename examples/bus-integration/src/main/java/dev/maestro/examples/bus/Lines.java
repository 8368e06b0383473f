package dev.maestro.examples.bus;

import dev.maestro.contracts.events.IntegrationEvents;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/** The one-line messages this integration posts, or null for events it does not announce. */
final class Lines {
  private Lines() {}

  static String of(JsonObject event) {
    JsonObject data = event.getJsonObject("data", new JsonObject());
    String session = shortId(event.getString("sessionId"));
    String user = shortId(event.getString("userId"));
    return switch (String.valueOf(event.getString("type"))) {
      case IntegrationEvents.TURN_COMPLETED -> {
        JsonObject u = data.getJsonObject("usage", new JsonObject());
        String cost = u.getValue("costUsd") instanceof Number c ? String.format(Locale.ROOT, ", $%.4f", c.doubleValue()) : "";
        yield "Turn " + data.getString("status") + " in session " + session + " (user " + user + "): "
            + u.getLong("inputTokens", 0L) + " in / " + u.getLong("outputTokens", 0L) + " out tokens" + cost;
      }
      case IntegrationEvents.APPROVAL_REQUIRED -> "Approval waiting in session " + session + " (user " + user + "): tool "
          + data.getString("tool") + ", call " + data.getString("callId");
      default -> null;
    };
  }

  private static String shortId(String id) {
    return id == null ? "-" : id.length() > 8 ? id.substring(0, 8) : id;
  }
}
