package dev.maestro.session;

import io.vertx.core.json.JsonObject;

/**
 * A session's own budget, {@code "budgetUsd"} on create and PATCH: stored in the session's params
 * (so no column of the session table changes) and shown as a top-level field of the session.
 */
final class SessionBudget {
  static final String KEY = "budgetUsd";

  private SessionBudget() {}

  /** "field: message" when value cannot be a budget, else null (null value: no budget). */
  static String problem(Object value) {
    if (value == null) return null;
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0 || n.doubleValue() > 1_000_000) {
      return KEY + ": must be a number of USD from 0 to 1000000, or null for none";
    }
    return null;
  }

  /** Moves a top-level budgetUsd of a create request into the session's params (the session to store). */
  static void onCreate(JsonObject spec, JsonObject merged) {
    if (!spec.containsKey(KEY)) return;
    JsonObject params = merged.getJsonObject("params", new JsonObject());
    if (spec.getValue(KEY) == null) params.remove(KEY);
    else params.put(KEY, ((Number) spec.getValue(KEY)).doubleValue());
    merged.put("params", params);
  }

  /** The params of a PATCH that sets budgetUsd: the stored params (or the patch's own) with the new value. */
  static JsonObject patchedParams(JsonObject patch, JsonObject stored) {
    JsonObject params = patch.getValue("params") instanceof JsonObject p ? p.copy()
        : stored.getJsonObject("params", new JsonObject()).copy();
    if (patch.getValue(KEY) == null) params.remove(KEY);
    else params.put(KEY, ((Number) patch.getValue(KEY)).doubleValue());
    return params;
  }

  /** The session as clients see it: budgetUsd at the top (null: none). */
  static JsonObject expose(JsonObject session) {
    JsonObject params = session.getJsonObject("params");
    Object v = params == null ? null : params.getValue(KEY);
    return session.put(KEY, v instanceof Number n ? n.doubleValue() : null);
  }

  /** The session's limit in micro-USD, or null. */
  static Long limitMicros(JsonObject session) {
    Object v = session.getJsonObject("params", new JsonObject()).getValue(KEY);
    return v instanceof Number n ? BudgetLedger.toMicros(n.doubleValue()) : null;
  }
}
