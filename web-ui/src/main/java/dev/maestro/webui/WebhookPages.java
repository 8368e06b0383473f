package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;

/**
 * /webhooks (admin): the webhooks of BUS.md with their delivery status, a form to add one and a button
 * to remove one; all through the gateway's webhook operations, which refuse a member (a 403 page).
 * The signing secret of a new webhook is rendered in the answer to the form, once, never stored in
 * the browser session (no flash message) and never shown again.
 */
final class WebhookPages {
  static final List<String> TYPES = List.of("session.created", "session.deleted", "turn.started", "turn.completed",
      "approval.required", "approval.answered", "credential.status", "mcp.status");

  private final WebUiGateway gateway;
  private final PageRenderer pages;

  WebhookPages(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  void list(RoutingContext rc) {
    show(rc, null);
  }

  private void show(RoutingContext rc, JsonObject created) {
    SessionPages.items(gateway.call(rc, "listWebhooks")).onFailure(err -> pages.error(rc, err)).onSuccess(hooks -> {
      JsonArray items = new JsonArray();
      for (JsonObject h : hooks) {
        JsonObject d = h.getJsonObject("deliveries", new JsonObject());
        JsonArray types = h.getJsonArray("types", new JsonArray());
        items.add(h.copy().put("typesText", types.isEmpty() ? "all events" : String.join(", ", types.stream().map(String::valueOf).toList()))
            .put("pending", d.getLong("pending", 0L)).put("delivered", d.getLong("delivered", 0L)).put("failed", d.getLong("failed", 0L))
            .put("hasFailed", d.getLong("failed", 0L) > 0)
            .put("lastDeliveredLabel", Pages.timeLabel(h.getString("lastDeliveredAt"))));
      }
      JsonArray types = new JsonArray();
      TYPES.forEach(t -> types.add(new JsonObject().put("value", t)));
      JsonObject model = new JsonObject().put("webhooks", items).put("types", types);
      if (created != null) model.put("created", created);
      pages.render(rc, 200, "webhooks", "Webhooks", model);
    });
  }

  void add(RoutingContext rc) {
    JsonObject body = new JsonObject();
    String url = Forms.field(rc, "url");
    if (url != null) body.put("url", url);
    JsonArray types = new JsonArray();
    for (String t : rc.request().formAttributes().getAll("types")) if (!t.isBlank()) types.add(t);
    body.put("types", types);
    gateway.call(rc, "createWebhook", Map.of(), body)
        .onSuccess(created -> show(rc, new JsonObject().put("url", created.getString("url")).put("secret", created.getString("secret"))))
        .onFailure(err -> back(rc, err));
  }

  void delete(RoutingContext rc) {
    gateway.call(rc, "deleteWebhook", Map.of("id", rc.pathParam("id")), null)
        .onSuccess(v -> {
          PageRenderer.flash(rc, "ok", "Webhook removed.");
          PageRenderer.redirect(rc, "/webhooks");
        })
        .onFailure(err -> back(rc, err));
  }

  private void back(RoutingContext rc, Throwable err) {
    int status = OperationFailed.status(err);
    if (status == 401 || status == 403) {
      pages.error(rc, err);
      return;
    }
    PageRenderer.flash(rc, "error", OperationFailed.message(err));
    PageRenderer.redirect(rc, "/webhooks");
  }
}
