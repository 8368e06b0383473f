package dev.maestro.webui;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * /usage: the signed-in user's monthly budget and a table of usage and cost grouped by day, model or
 * (admins) user, over a date range; an admin also sets users' monthly budgets here. Everything is a
 * gateway operation (getUsage, getUserBudget, setUserBudget, listUsers), so a member sees exactly what
 * the API shows them: their own figures.
 */
final class UsagePages {
  private final WebUiGateway gateway;
  private final PageRenderer pages;

  UsagePages(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  void usage(RoutingContext rc) {
    JsonObject me = Pages.principal(rc);
    boolean admin = me != null && "admin".equals(me.getString("role"));
    Map<String, String> query = new LinkedHashMap<>();
    for (String k : List.of("from", "to", "groupBy")) {
      String v = rc.queryParams().get(k);
      if (v != null && !v.isBlank()) query.put(k, v.trim());
    }
    String groupBy = query.getOrDefault("groupBy", "day");
    Future<JsonObject> usage = gateway.call(rc, "getUsage", Map.of(), query, null);
    Future<JsonObject> budget = gateway.call(rc, "getUserBudget", Map.of("id", me.getString("userId")), null);
    Future<List<JsonObject>> users = admin ? SessionPages.items(gateway.call(rc, "listUsers", Map.of(), Map.of("limit", "200"), null))
        : Future.succeededFuture(List.of());
    Future.all(usage, budget, users).onSuccess(all -> {
      JsonObject u = usage.result();
      JsonArray rows = new JsonArray();
      long unpriced = 0;
      for (Object o : u.getJsonArray("items", new JsonArray())) {
        JsonObject item = (JsonObject) o;
        String label = switch (u.getString("groupBy", groupBy)) {
          case "user" -> item.getString("username") != null ? item.getString("username") : item.getString("userId");
          case "model" -> item.getString("provider") + " / " + item.getString("model");
          default -> item.getString("day");
        };
        unpriced += item.getLong("unpricedRequests", 0L);
        rows.add(figures(item).put("label", label).put("unpriced", item.getLong("unpricedRequests", 0L) > 0));
      }
      JsonObject b = budget.result();
      JsonArray userOptions = new JsonArray();
      users.result().forEach(x -> userOptions.add(new JsonObject().put("id", x.getString("id")).put("username", x.getString("username"))));
      pages.render(rc, 200, "usage", "Usage", new JsonObject()
          .put("from", u.getString("from")).put("to", u.getString("to"))
          .put("groups", groupOptions(u.getString("groupBy", groupBy), admin))
          .put("groupLabel", switch (u.getString("groupBy", groupBy)) { case "user" -> "User"; case "model" -> "Model"; default -> "Day"; })
          .put("rows", rows).put("empty", rows.isEmpty())
          .put("total", figures(u.getJsonObject("total", new JsonObject())))
          .put("unpricedNote", unpriced > 0 ? unpriced + " request(s) went to models without a price in the price table; they are counted at $0." : null)
          .put("budget", new JsonObject()
              .put("has", b.getValue("monthlyUsd") != null)
              .put("month", b.getString("month"))
              .put("monthly", money(b.getValue("monthlyUsd")))
              .put("spent", money(b.getValue("spentUsd")))
              .put("reserved", money(b.getValue("reservedUsd")))
              .put("remaining", money(b.getValue("remainingUsd"))))
          .put("users", userOptions));
    }).onFailure(err -> pages.error(rc, err));
  }

  /** Admin: sets (or, with an empty amount, removes) a user's monthly budget. */
  void setBudget(RoutingContext rc) {
    String userId = Forms.field(rc, "userId");
    String amount = Forms.field(rc, "monthlyUsd");
    JsonObject body = new JsonObject();
    if (amount == null) {
      body.putNull("monthlyUsd");
    } else {
      try {
        body.put("monthlyUsd", Double.parseDouble(amount));
      } catch (NumberFormatException e) {
        PageRenderer.flash(rc, "error", "The monthly budget must be a number of dollars, e.g. 25 or 2.50.");
        PageRenderer.redirect(rc, "/usage");
        return;
      }
    }
    gateway.call(rc, "setUserBudget", Map.of("id", userId == null ? "-" : userId), body)
        .onSuccess(b -> {
          PageRenderer.flash(rc, "ok", b.getValue("monthlyUsd") == null ? "Monthly budget removed."
              : "Monthly budget set to " + money(b.getValue("monthlyUsd")) + ".");
          PageRenderer.redirect(rc, "/usage");
        })
        .onFailure(err -> {
          int status = OperationFailed.status(err);
          if (status == 401 || status == 403) {
            pages.error(rc, err);
            return;
          }
          PageRenderer.flash(rc, "error", OperationFailed.message(err));
          PageRenderer.redirect(rc, "/usage");
        });
  }

  private static JsonArray groupOptions(String selected, boolean admin) {
    JsonArray out = new JsonArray();
    for (String g : admin ? List.of("day", "model", "user") : List.of("day", "model")) {
      out.add(new JsonObject().put("value", g).put("selected", g.equals(selected)));
    }
    return out;
  }

  private static JsonObject figures(JsonObject item) {
    return new JsonObject().put("requests", item.getLong("requests", 0L))
        .put("inputTokens", String.format(Locale.ROOT, "%,d", item.getLong("inputTokens", 0L)))
        .put("outputTokens", String.format(Locale.ROOT, "%,d", item.getLong("outputTokens", 0L)))
        .put("cost", money(item.getValue("costUsd")));
  }

  static String money(Object usd) {
    return usd instanceof Number n ? String.format(Locale.ROOT, "$%.4f", n.doubleValue()) : null;
  }
}
