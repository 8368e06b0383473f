package dev.maestro.tui.app;

import dev.maestro.tui.client.GatewayClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Issue 16: polls the user's runs (GET /api/v1/runs) and rings the bell with a status line when one
 * finishes or starts waiting for an approval — in any session, so a run left in the background is
 * not forgotten. {@link #changes} is plain, for tests.
 */
final class RunsWatcher {
  static final long PERIOD_MS = 5_000;

  private final Vertx vertx;
  private final GatewayClient api;
  private final UiState state;
  private final Executor uiThread;
  private Map<String, JsonObject> known;
  private long timer = -1;

  RunsWatcher(Vertx vertx, GatewayClient api, UiState state, Executor uiThread) {
    this.vertx = vertx;
    this.api = api;
    this.state = state;
    this.uiThread = uiThread;
  }

  void start() {
    poll();
    timer = vertx.setPeriodic(PERIOD_MS, t -> poll());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void poll() {
    api.runs().onSuccess(items -> uiThread.execute(() -> {
      String line = changes(known, items);
      known = byId(items);
      if (line != null) {
        state.flash = line;
        state.bell = true;
      }
    }));
  }

  static Map<String, JsonObject> byId(List<JsonObject> items) {
    Map<String, JsonObject> m = new HashMap<>();
    items.forEach(r -> m.put(r.getString("sessionId"), r));
    return m;
  }

  /** The status line for what changed since the last poll (null: nothing to tell; never on the first poll). */
  static String changes(Map<String, JsonObject> before, List<JsonObject> now) {
    if (before == null) {
      return null;
    }
    Map<String, JsonObject> after = byId(now);
    for (JsonObject r : now) {
      JsonObject was = before.get(r.getString("sessionId"));
      if ("waiting_approval".equals(r.getString("status")) && (was == null || !"waiting_approval".equals(was.getString("status")))) {
        return "waiting for approval: " + title(r);
      }
    }
    for (JsonObject was : before.values()) {
      if (!"queued".equals(was.getString("status")) && !after.containsKey(was.getString("sessionId"))) {
        return "run finished: " + title(was);
      }
    }
    return null;
  }

  private static String title(JsonObject r) {
    String t = r.getString("title", "");
    return t.isBlank() ? r.getString("sessionId", "") : t;
  }
}
