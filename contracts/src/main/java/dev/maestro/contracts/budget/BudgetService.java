package dev.maestro.contracts.budget;

import dev.maestro.contracts.Addresses;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceProxyBuilder;

/**
 * Budgets and the usage ledger, served by session-service (which reserves against the budgets before
 * every provider request). Who may see or change what is the gateway's decision: these calls trust
 * the user ids they are given. Amounts are USD.
 */
@ProxyGen
@VertxGen
public interface BudgetService {
  String ADDRESS = Addresses.BUDGET_SERVICE;

  static BudgetService createProxy(Vertx vertx) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(15_000)).build(BudgetService.class);
  }

  /**
   * → {userId, monthlyUsd (null: no limit), month "yyyy-MM" (UTC), spentUsd, reservedUsd, remainingUsd (null: no limit)}.
   */
  Future<JsonObject> getUserBudget(String userId);

  /** budget: {monthlyUsd: number ≥ 0, or null to remove the limit} → as {@link #getUserBudget}. */
  Future<JsonObject> setUserBudget(String userId, JsonObject budget);

  /**
   * query: {userId? (null: every user), from "yyyy-MM-dd", to "yyyy-MM-dd" (inclusive, UTC), groupBy user|model|day}
   * → {from, to, groupBy, items:[{userId | provider+model | day, requests, inputTokens, outputTokens,
   * cacheReadTokens, cacheWriteTokens, costUsd, unpricedRequests}], total:{…the same figures}}.
   */
  Future<JsonObject> usage(JsonObject query);
}
