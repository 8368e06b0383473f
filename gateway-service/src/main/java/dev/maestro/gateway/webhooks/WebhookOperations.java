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

  public WebhookOperations(WebhookStore store, OutboundHttp outbound) {
    this.store = store;
    this.outbound = outbound;
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
          .map(Reply::created);
    });
    operations.register("deleteWebhook", c -> {
      UUID id = Ids.valid(c.path("id")) ? UUID.fromString(c.path("id")) : null;
      if (id == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such webhook", new JsonObject());
      return store.delete(id).compose(found -> found ? Future.succeededFuture(Reply.noContent())
          : ServiceException.fail(ErrorCodes.NOT_FOUND, "no such webhook", new JsonObject()));
    });
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) for (Object o : a) out.add(String.valueOf(o));
    return out;
  }
}
