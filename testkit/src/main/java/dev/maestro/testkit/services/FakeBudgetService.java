package dev.maestro.testkit.services;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.budget.BudgetService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory BudgetService for tests of the front ends: budgets per user, and usage records
 * {userId, provider, model, day, requests, inputTokens, outputTokens, costUsd} that tests add and
 * {@link #usage} groups like session-service does. It trusts the user ids it is given (as the real
 * one does), so a gateway test proves the gateway's own filtering; every usage query is recorded.
 */
public final class FakeBudgetService implements BudgetService {
  public final Map<String, Double> budgets = new ConcurrentHashMap<>();
  public final List<JsonObject> records = new CopyOnWriteArrayList<>();
  public final List<JsonObject> queries = new CopyOnWriteArrayList<>();

  /** Adds one usage record (today when day is null). */
  public FakeBudgetService record(String userId, String provider, String model, String day, long requests, double costUsd) {
    records.add(new JsonObject().put("userId", userId).put("provider", provider).put("model", model)
        .put("day", day == null ? LocalDate.now(ZoneOffset.UTC).toString() : day).put("requests", requests)
        .put("inputTokens", requests * 100).put("outputTokens", requests * 10).put("costUsd", costUsd));
    return this;
  }

  @Override
  public Future<JsonObject> getUserBudget(String userId) {
    Double limit = budgets.get(userId);
    double spent = 0;
    String month = YearMonth.now(ZoneOffset.UTC).toString();
    for (JsonObject r : records) if (r.getString("userId").equals(userId) && r.getString("day").startsWith(month)) spent += r.getDouble("costUsd");
    return Future.succeededFuture(new JsonObject().put("userId", userId).put("monthlyUsd", limit).put("month", month)
        .put("spentUsd", spent).put("reservedUsd", 0.0).put("remainingUsd", limit == null ? null : Math.max(0, limit - spent)));
  }

  @Override
  public Future<JsonObject> setUserBudget(String userId, JsonObject budget) {
    Object v = budget == null ? null : budget.getValue("monthlyUsd");
    if (v != null && !(v instanceof Number)) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "monthlyUsd: must be a number");
    if (v == null) budgets.remove(userId);
    else budgets.put(userId, ((Number) v).doubleValue());
    return getUserBudget(userId);
  }

  @Override
  public Future<JsonObject> usage(JsonObject query) {
    queries.add(query.copy());
    String groupBy = query.getString("groupBy", "day");
    String userId = query.getString("userId");
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    String from = query.getString("from") == null ? today.substring(0, 8) + "01" : query.getString("from");
    String to = query.getString("to") == null ? today : query.getString("to");
    Map<String, JsonObject> groups = new TreeMap<>();
    JsonObject total = figures(new JsonObject());
    for (JsonObject r : records) {
      if (userId != null && !userId.equals(r.getString("userId"))) continue;
      if (r.getString("day").compareTo(from) < 0 || r.getString("day").compareTo(to) > 0) continue;
      String key = switch (groupBy) {
        case "user" -> r.getString("userId");
        case "model" -> r.getString("provider") + "/" + r.getString("model");
        default -> r.getString("day");
      };
      JsonObject g = groups.computeIfAbsent(key, k -> {
        JsonObject item = switch (groupBy) {
          case "user" -> new JsonObject().put("userId", r.getString("userId"));
          case "model" -> new JsonObject().put("provider", r.getString("provider")).put("model", r.getString("model"));
          default -> new JsonObject().put("day", r.getString("day"));
        };
        return figures(item);
      });
      add(g, r);
      add(total, r);
    }
    return Future.succeededFuture(new JsonObject().put("from", from).put("to", to).put("groupBy", groupBy)
        .put("items", new JsonArray(new java.util.ArrayList<>(groups.values()))).put("total", total));
  }

  private static JsonObject figures(JsonObject into) {
    return into.put("requests", 0L).put("inputTokens", 0L).put("outputTokens", 0L).put("cacheReadTokens", 0L)
        .put("cacheWriteTokens", 0L).put("costUsd", 0.0).put("unpricedRequests", 0L);
  }

  private static void add(JsonObject g, JsonObject r) {
    g.put("requests", g.getLong("requests") + r.getLong("requests")).put("inputTokens", g.getLong("inputTokens") + r.getLong("inputTokens"))
        .put("outputTokens", g.getLong("outputTokens") + r.getLong("outputTokens"))
        .put("costUsd", g.getDouble("costUsd") + r.getDouble("costUsd"));
  }
}
