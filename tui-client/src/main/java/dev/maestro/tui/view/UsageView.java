package dev.maestro.tui.view;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/** GET /api/v1/usage as the /usage notice: one line per day, model or user, the total, and the caller's budget. */
public final class UsageView {
  private UsageView() {}

  public static String render(JsonObject usage) {
    String groupBy = usage.getString("groupBy", "day");
    StringBuilder sb = new StringBuilder("usage ").append(usage.getString("from", "?")).append(" … ")
        .append(usage.getString("to", "?")).append(" by ").append(groupBy);
    JsonArray items = usage.getJsonArray("items", new JsonArray());
    int width = 10;
    for (Object o : items) width = Math.max(width, label((JsonObject) o, groupBy).length());
    width = Math.min(width, 40);
    long unpriced = 0;
    if (items.isEmpty()) sb.append("\n  no usage in this range");
    for (Object o : items) {
      JsonObject item = (JsonObject) o;
      unpriced += item.getLong("unpricedRequests", 0L);
      sb.append("\n  ").append(line(label(item, groupBy), width, item))
          .append(item.getLong("unpricedRequests", 0L) > 0 ? "  (no price)" : "");
    }
    sb.append("\n  ").append(line("total", width, usage.getJsonObject("total", new JsonObject())));
    if (unpriced > 0) {
      sb.append("\n  ").append(unpriced).append(" request(s) to models without a price are counted at $0");
    }
    JsonObject b = usage.getJsonObject("budget");
    if (b != null) sb.append("\n").append(budget(b));
    return sb.toString();
  }

  /** "budget: $0.0999 of $1.0000 left in 2026-12 (spent $0.9001)" or "no monthly budget (spent …)". */
  public static String budget(JsonObject b) {
    String spent = money(b.getValue("spentUsd"));
    if (b.getValue("monthlyUsd") == null) {
      return "no monthly budget (spent " + spent + " in " + b.getString("month", "this month") + ")";
    }
    return "budget: " + money(b.getValue("remainingUsd")) + " of " + money(b.getValue("monthlyUsd")) + " left in "
        + b.getString("month", "this month") + " (spent " + spent
        + (b.getDouble("reservedUsd", 0.0) > 0 ? ", " + money(b.getValue("reservedUsd")) + " held by requests in flight" : "") + ")";
  }

  private static String label(JsonObject item, String groupBy) {
    return switch (groupBy) {
      case "user" -> item.getString("username") != null ? item.getString("username") : String.valueOf(item.getString("userId"));
      case "model" -> item.getString("provider") + "/" + item.getString("model");
      default -> String.valueOf(item.getString("day"));
    };
  }

  private static String line(String label, int width, JsonObject f) {
    String l = label.length() > width ? label.substring(0, width - 1) + "…" : label;
    return String.format(Locale.ROOT, "%-" + width + "s %6d req %12s in %10s out %11s", l, f.getLong("requests", 0L),
        String.format(Locale.ROOT, "%,d", f.getLong("inputTokens", 0L)), String.format(Locale.ROOT, "%,d", f.getLong("outputTokens", 0L)),
        money(f.getValue("costUsd")));
  }

  static String money(Object usd) {
    return usd instanceof Number n ? String.format(Locale.ROOT, "$%.4f", n.doubleValue()) : "$?";
  }
}
