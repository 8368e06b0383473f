package dev.maestro.session;

import dev.maestro.contracts.budget.BudgetService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Set;

/** The BudgetService contract over {@link BudgetLedger}; the gateway decides who may ask for what. */
final class BudgetServiceImpl implements BudgetService {
  static final Set<String> GROUPS = Set.of("user", "model", "day");
  /** The longest range one usage query may cover. */
  static final int MAX_DAYS = 3660;

  private final BudgetLedger ledger;

  BudgetServiceImpl(BudgetLedger ledger) {
    this.ledger = ledger;
  }

  @Override
  public Future<JsonObject> getUserBudget(String userId) {
    if (userId == null || userId.isBlank()) return Fail.invalid("userId", "is required");
    return ledger.userBudget(userId);
  }

  @Override
  public Future<JsonObject> setUserBudget(String userId, JsonObject budget) {
    if (userId == null || userId.isBlank()) return Fail.invalid("userId", "is required");
    if (budget == null || !budget.containsKey("monthlyUsd")) return Fail.invalid("monthlyUsd", "is required (a number, or null for no limit)");
    Object v = budget.getValue("monthlyUsd");
    if (v != null && (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0 || n.doubleValue() > 1_000_000)) {
      return Fail.invalid("monthlyUsd", "must be a number of USD from 0 to 1000000, or null for no limit");
    }
    return ledger.setUserBudget(userId, v == null ? null : ((Number) v).doubleValue());
  }

  @Override
  public Future<JsonObject> usage(JsonObject query) {
    JsonObject q = query == null ? new JsonObject() : query;
    String groupBy = q.getString("groupBy", "day");
    if (!GROUPS.contains(groupBy)) return Fail.invalid("groupBy", "must be user, model or day");
    LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
    LocalDate from;
    LocalDate to;
    try {
      from = q.getString("from") == null ? today.withDayOfMonth(1) : LocalDate.parse(q.getString("from"));
    } catch (DateTimeParseException e) {
      return Fail.invalid("from", "must be a date yyyy-MM-dd");
    }
    try {
      to = q.getString("to") == null ? today : LocalDate.parse(q.getString("to"));
    } catch (DateTimeParseException e) {
      return Fail.invalid("to", "must be a date yyyy-MM-dd");
    }
    if (to.isBefore(from)) return Fail.invalid("to", "must not be before from");
    if (from.plusDays(MAX_DAYS).isBefore(to)) return Fail.invalid("to", "the range may cover at most " + MAX_DAYS + " days");
    return ledger.usage(q.getString("userId"), from, to, groupBy);
  }
}
