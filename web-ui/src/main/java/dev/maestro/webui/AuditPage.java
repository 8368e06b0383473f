package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Audit page (admin): the audit trail newest first, filtered by user, action, outcome and a UTC time
 * range through a GET form, one page at a time ("Older entries" follows the cursor). It reads the
 * operation {@code listAudit}; a member gets the operation's 403, a bad filter its 400 message beside the form.
 */
final class AuditPage {
  /** What a datetime-local input sends (no zone; the form says UTC). */
  private static final Pattern LOCAL = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?");
  private static final List<String> FILTERS = List.of("user", "action", "outcome", "from", "to");

  private final WebUiGateway gateway;
  private final PageRenderer pages;

  AuditPage(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  void show(RoutingContext rc) {
    Map<String, String> query = new LinkedHashMap<>();
    JsonObject form = new JsonObject();
    for (String f : FILTERS) {
      String v = rc.request().getParam(f);
      if (v == null || v.isBlank()) continue;
      v = v.trim();
      form.put(f, v);
      query.put(f, ("from".equals(f) || "to".equals(f)) && LOCAL.matcher(v).matches() ? (v.length() == 16 ? v + ":00Z" : v + "Z") : v);
    }
    String cursor = rc.request().getParam("cursor");
    if (cursor != null && !cursor.isBlank()) query.put("cursor", cursor);
    query.put("limit", "50");
    gateway.call(rc, "listAudit", Map.of(), query, null)
        .onSuccess(page -> pages.render(rc, 200, "audit", "Audit", model(form, page, query)))
        .onFailure(err -> {
          if (OperationFailed.status(err) == 400) {
            pages.render(rc, 400, "audit", "Audit", model(form, new JsonObject(), query).put("filterError", OperationFailed.message(err)));
          } else {
            pages.error(rc, err);
          }
        });
  }

  private static JsonObject model(JsonObject form, JsonObject page, Map<String, String> query) {
    JsonArray items = new JsonArray();
    for (Object o : page.getJsonArray("items", new JsonArray())) {
      if (!(o instanceof JsonObject e)) continue;
      JsonObject detail = e.getJsonObject("detail", new JsonObject());
      StringBuilder d = new StringBuilder();
      detail.forEach(kv -> d.append(d.isEmpty() ? "" : " · ").append(kv.getKey()).append(": ").append(kv.getValue()));
      items.add(e.copy().put("atLabel", Pages.timeLabel(e.getString("at"))).put("detailText", d.toString())
          .put("who", e.getString("username") != null ? e.getString("username") : e.getString("userId") != null ? e.getString("userId") : "—")
          .put("isOk", "success".equals(e.getString("outcome"))));
    }
    JsonObject model = new JsonObject().put("form", form).put("entries", items)
        .put("outcomes", new JsonArray(List.of("success", "failure", "denied").stream()
            .map(v -> new JsonObject().put("value", v).put("selected", v.equals(form.getString("outcome")))).toList()));
    String next = page.getString("nextCursor");
    if (next != null) {
      StringBuilder href = new StringBuilder("/audit?cursor=").append(java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
      form.forEach(kv -> href.append('&').append(kv.getKey()).append('=')
          .append(java.net.URLEncoder.encode(String.valueOf(kv.getValue()), java.nio.charset.StandardCharsets.UTF_8)));
      model.put("olderHref", href.toString());
    }
    return model;
  }
}
