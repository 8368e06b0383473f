package dev.maestro.gateway.api;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.budget.BudgetService;
import dev.maestro.gateway.auth.Ids;
import dev.maestro.gateway.auth.UserStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The budget operations of the front door. Who may see what is decided here, against the user store
 * as it is now: an admin sets budgets and sees everyone's usage; a member reads only their own budget
 * and usage, and any other user id (existing or not) answers 404 like a missing one.
 */
final class BudgetRoutes {
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern GROUP = Pattern.compile("user|model|day");

  private final BudgetService budgets;
  private final UserStore users;

  private BudgetRoutes(BudgetService budgets, UserStore users) {
    this.budgets = budgets;
    this.users = users;
  }

  static void mount(Operations operations, BudgetService budgets, UserStore users) {
    BudgetRoutes r = new BudgetRoutes(budgets, users);
    operations.register("getUserBudget", r::getUserBudget);
    operations.register("setUserBudget", r::setUserBudget);
    operations.register("getUsage", r::usage);
  }

  private Future<Reply> getUserBudget(Call c) {
    return visibleUser(c, c.path("id")).compose(budgets::getUserBudget).map(Reply::ok);
  }

  private Future<Reply> setUserBudget(Call c) {
    // admin only (the document says so); the user must exist
    return visibleUser(c, c.path("id")).compose(id -> budgets.setUserBudget(id, c.body())).map(Reply::ok);
  }

  private Future<Reply> usage(Call c) {
    String from = date(c.query(), "from");
    String to = date(c.query(), "to");
    String groupBy = c.query().matching("groupBy", GROUP, "user, model or day");
    String userId = c.query().string("userId", 100);
    c.query().check();
    // a member asks for their own usage whether or not they name themselves
    Future<String> who = userId == null ? Future.succeededFuture(c.admin() ? null : c.userId()) : visibleUser(c, userId);
    return who.compose(id -> {
      JsonObject q = new JsonObject().put("groupBy", groupBy == null ? "day" : groupBy).put("from", from).put("to", to);
      if (id != null) q.put("userId", id);
      return budgets.usage(q);
    }).compose(this::withUsernames)
        // the caller's own budget rides along, so a client needs no user id to show it
        .compose(u -> budgets.getUserBudget(c.userId()).map(b -> u.put("budget", b)))
        .map(Reply::ok);
  }

  private static String date(Query q, String name) {
    String v = q.matching(name, DATE, "a date yyyy-MM-dd");
    if (v == null) return null;
    try {
      java.time.LocalDate.parse(v);
      return v;
    } catch (java.time.DateTimeException e) {
      q.error(name, "must be a date yyyy-MM-dd");
      return null;
    }
  }

  /** The user id when the caller may see it and it exists; 404 otherwise (another user's id, to a member, is "missing"). */
  private Future<String> visibleUser(Call c, String id) {
    if (id == null || !Ids.valid(id) || (!c.admin() && !id.equalsIgnoreCase(c.userId()))) return notFound();
    return users.byId(id).compose(u -> u == null ? notFound() : Future.succeededFuture(u.getString("id")));
  }

  /** Rows grouped by user carry the username too, for people rather than ids to read. */
  private Future<JsonObject> withUsernames(JsonObject usage) {
    if (!"user".equals(usage.getString("groupBy"))) return Future.succeededFuture(usage);
    JsonArray items = usage.getJsonArray("items", new JsonArray());
    List<Future<JsonObject>> lookups = new ArrayList<>();
    for (Object o : items) {
      JsonObject item = (JsonObject) o;
      lookups.add(users.byId(item.getString("userId")).recover(e -> Future.succeededFuture(null))
          .onSuccess(u -> item.put("username", u == null ? null : u.getString("username"))));
    }
    return Future.all(lookups).map(usage);
  }

  private static <T> Future<T> notFound() {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such user", new JsonObject());
  }
}
