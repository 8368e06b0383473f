package dev.maestro.examples.bus;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/** Per-user totals of the turns that completed: turns, input and output tokens, cost when priced. */
final class UsageCounters {
  private record Totals(long turns, long inputTokens, long outputTokens, double costUsd) {}

  private final Map<String, Totals> byUser = new TreeMap<>();

  /** Adds one turn.completed's usage ({"inputTokens","outputTokens","costUsd"?}) to its user. */
  void add(String userId, JsonObject usage) {
    Totals t = byUser.getOrDefault(userId, new Totals(0, 0, 0, 0));
    byUser.put(userId, new Totals(t.turns() + 1, t.inputTokens() + usage.getLong("inputTokens", 0L),
        t.outputTokens() + usage.getLong("outputTokens", 0L), t.costUsd() + usage.getDouble("costUsd", 0.0)));
  }

  /** → {userId: {turns, inputTokens, outputTokens, costUsd}}. */
  JsonObject snapshot() {
    JsonObject out = new JsonObject();
    byUser.forEach((user, t) -> out.put(user, new JsonObject().put("turns", t.turns()).put("inputTokens", t.inputTokens())
        .put("outputTokens", t.outputTokens()).put("costUsd", t.costUsd())));
    return out;
  }
}
