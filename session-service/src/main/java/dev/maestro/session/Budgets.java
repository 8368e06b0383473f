package dev.maestro.session;

import dev.maestro.contracts.budget.BudgetService;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.platform.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * session-service's budget part: registers {@link BudgetService} and sweeps reservations left by a node
 * that died mid-request (older than MAESTRO_BUDGET_RESERVATION_TTL_SECONDS, default 1 hour: longer
 * than any provider request is allowed to stay silent, so a live request is never swept).
 */
final class Budgets {
  static final String RESERVATION_TTL = "MAESTRO_BUDGET_RESERVATION_TTL_SECONDS";
  private static final Logger LOG = LoggerFactory.getLogger(Budgets.class);

  private Budgets() {}

  /** The binding and the sweeper live as long as vertx (undeploying the verticle unregisters the consumer). */
  static Future<Void> start(Vertx vertx, Pool pool, JsonObject config) {
    BudgetLedger ledger = new BudgetLedger(pool, Clock.systemUTC());
    long ttl = Settings.of(config).integer(RESERVATION_TTL, 3600, 1, Integer.MAX_VALUE);
    vertx.setPeriodic(Math.min(ttl * 1000L, 60_000L), t -> ledger.sweep(ttl)
        .onSuccess(n -> {
          if (n > 0) LOG.info("released {} budget reservation(s) older than {} s (their node went away mid-request)", n, ttl);
        })
        .onFailure(e -> LOG.debug("budget sweep failed: {}", e.getMessage())));
    return new ServiceBinder(vertx).setAddress(BudgetService.ADDRESS)
        .register(BudgetService.class, ServiceFailures.guarded(BudgetService.class, new BudgetServiceImpl(ledger), "session-service"))
        .completion();
  }
}
