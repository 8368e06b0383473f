package dev.maestro.gateway.webhooks;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.gateway.api.Operations;
import dev.maestro.gateway.api.Reply;
import dev.maestro.gateway.auth.Ids;
import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundRefusedException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * The webhook operations of the front door (admin only, see OpenApiDocument's webhooks section):
 * list with delivery status, create (the URL checked by the outbound policy; the secret answered
 * this once), delete.
 */
public final class WebhookOperations {
  private final WebhookStore store;
  private final OutboundHttp outbound;
  private final WebhookTypes types;

  /** {@code dispatcher}: this gateway's, whose copy of the webhooks' types every creation and deletion updates. */
  public WebhookOperations(WebhookStore store, OutboundHttp outbound, WebhookDispatcher dispatcher) {
    this.store = store;
    this.outbound = outbound;
    this.types = dispatcher.types();
  }

  public void register(Operations operations) {
    operations.register("listWebhooks", c -> store.list().map(items -> Reply.ok(new JsonObject().put("items", items).putNull("nextCursor"))));
    operations.register("createWebhook", c -> {
      String url = c.body().getString("url");
      List<String> types = new ArrayList<>(new LinkedHashSet<>(strings(c.body().getJsonArray("types"))));
      return outbound.check(url).recover(err -> {
            if (err instanceof OutboundRefusedException r && r.rule() != OutboundRefusedException.Rule.UNRESOLVED) {
              return ServiceException.fail(ErrorCodes.BAD_REQUEST, "the body does not match the schema", new JsonObject()
                  .put("errors", new JsonArray().add(new JsonObject().put("field", "url").put("message", r.getMessage()))));
            }
            // a name that does not resolve now may later: it is checked again on every delivery
            return Future.succeededFuture();
          })
          .compose(v -> store.create(url, types, c.userId()))
          // before the answer: the next event this gateway takes is queued for the new webhook (the others: on the
          // announcement, or at their next poll)
          .onSuccess(h -> this.types.created(UUID.fromString(h.getString("id")), types))
          .map(Reply::created);
    });
    operations.register("deleteWebhook", c -> {
      UUID id = Ids.valid(c.path("id")) ? UUID.fromString(c.path("id")) : null;
      if (id == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such webhook", new JsonObject());
      return store.delete(id).onSuccess(found -> {
            if (found) types.deleted(id);
          }).compose(found -> found ? Future.succeededFuture(Reply.noContent())
          : ServiceException.fail(ErrorCodes.NOT_FOUND, "no such webhook", new JsonObject()));
    });
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) for (Object o : a) out.add(String.valueOf(o));
    return out;
  }
}
