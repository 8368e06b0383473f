package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Issue 16: the "Running" page — the user's turns running or waiting for an approval and the
 * sessions with queued messages, across sessions (operation listRuns). The navigation badge and the
 * browser notifications are kept fresh by app.js from the same operation.
 */
final class RunsPage {
  private static final java.util.Map<String, String> LABELS = java.util.Map.of(
      "running", "running", "waiting_approval", "waiting for your approval", "queued", "queued");

  private final WebUiGateway gateway;
  private final PageRenderer pages;

  RunsPage(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  void show(RoutingContext rc) {
    gateway.call(rc, "listRuns").onSuccess(page -> {
      JsonArray items = new JsonArray();
      for (Object o : page.getJsonArray("items", new JsonArray())) {
        JsonObject r = ((JsonObject) o).copy();
        String title = r.getString("title");
        r.put("title", title == null || title.isBlank() ? "Untitled session" : title);
        r.put("statusText", LABELS.getOrDefault(r.getString("status"), r.getString("status")));
        long queued = r.getLong("queued", 0L);
        if (queued > 0) r.put("queuedText", queued + " queued");
        items.add(r);
      }
      pages.render(rc, 200, "runs", "Running", new JsonObject().put("runs", items));
    }).onFailure(err -> pages.error(rc, err));
  }
}
