package dev.maestro.gateway.webhooks;

import dev.maestro.contracts.Addresses;
import dev.maestro.platform.Retry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * This gateway's copy of which event types some webhook takes (issue 14): an event no webhook takes is not
 * written to the outbox, so a turn on a system without webhooks costs no outbox INSERT (there were two per
 * turn, {@code turn.started} and {@code turn.completed}, each an INSERT … SELECT that found no webhook).
 *
 * <p>The copy is never narrower than the table for longer than a bus hop: it is loaded before the dispatcher
 * consumes events; the gateway that creates or deletes a webhook applies the change to its own copy before it
 * answers and publishes it on {@link Addresses#GATEWAY_WEBHOOKS_CHANGED}, which every gateway applies at once;
 * and every gateway reloads the table on the dispatcher's backstop poll, so a change whose announcement was
 * lost is picked up within one poll period. A copy wider than the table (a deleted webhook's types still in
 * it) costs only an INSERT that queues nothing: the INSERT still selects the webhooks from the table. Until
 * the first load succeeds (PostgreSQL not reachable at start) every event is written, as before.
 */
final class WebhookTypes {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookTypes.class);

  private final Vertx vertx;
  private final WebhookStore store;
  /** Every webhook's id → its types (empty: every type). Only touched on the dispatcher's context. */
  private Map<UUID, List<String>> hooks = new HashMap<>();
  private Set<String> types = Set.of();
  private boolean everyType;
  private boolean loaded;
  /** Changes announced while a reload runs: applied again on its result (the read may predate them). */
  private List<JsonObject> duringLoad;
  private boolean loadAgain;
  private MessageConsumer<JsonObject> consumer;

  WebhookTypes(Vertx vertx, WebhookStore store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** Listens for changes, then reads the table; completes when the first read has answered (or failed). */
  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.GATEWAY_WEBHOOKS_CHANGED, m -> apply(m.body()));
    return consumer.completion().compose(v -> reload()).recover(err -> Future.succeededFuture());
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Whether an event of this type may be queued for some webhook (true until the table was read once). */
  boolean takes(String type) {
    return !loaded || everyType || types.contains(type);
  }

  /** Reads the table again (the backstop); a reload asked for while one runs runs after it. */
  Future<Void> reload() {
    if (duringLoad != null) {
      loadAgain = true;
      return Future.succeededFuture();
    }
    duringLoad = new ArrayList<>();
    return store.allTypes().transform(ar -> {
      List<JsonObject> changes = duringLoad;
      duringLoad = null;
      if (ar.succeeded()) {
        hooks = new HashMap<>(ar.result());
        for (JsonObject c : changes) change(c);
        loaded = true;
        derive();
      } else {
        LOG.warn("webhooks: cannot read the webhooks' types (every event is queued until they are read): {}",
            Retry.describe(ar.cause()));
      }
      if (loadAgain) {
        loadAgain = false;
        return reload();
      }
      return ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause());
    });
  }

  /** A webhook was created here: this gateway's copy takes it now, the others when the announcement arrives. */
  void created(UUID id, List<String> types) {
    announce(new JsonObject().put("created", id.toString()).put("types", new JsonArray(new ArrayList<>(types))));
  }

  /** A webhook was deleted here. */
  void deleted(UUID id) {
    announce(new JsonObject().put("deleted", id.toString()));
  }

  private void announce(JsonObject change) {
    apply(change);
    vertx.eventBus().publish(Addresses.GATEWAY_WEBHOOKS_CHANGED, change);
  }

  /** Applying a change twice (this gateway's own announcement comes back to it) changes nothing. */
  private void apply(JsonObject change) {
    if (change == null) return;
    if (duringLoad != null) duringLoad.add(change);
    change(change);
    derive();
  }

  private void change(JsonObject c) {
    try {
      if (c.getString("created") != null) {
        List<String> t = new ArrayList<>();
        JsonArray a = c.getJsonArray("types");
        if (a != null) for (Object o : a) t.add(String.valueOf(o));
        hooks.put(UUID.fromString(c.getString("created")), t);
      } else if (c.getString("deleted") != null) {
        hooks.remove(UUID.fromString(c.getString("deleted")));
      }
    } catch (RuntimeException e) {
      // a malformed announcement: the next reload corrects the copy; meanwhile queue everything
      LOG.warn("webhooks: ignored a malformed change announcement");
      loaded = false;
    }
  }

  private void derive() {
    Set<String> t = new HashSet<>();
    boolean every = false;
    for (List<String> l : hooks.values()) {
      if (l.isEmpty()) every = true;
      t.addAll(l);
    }
    types = t;
    everyType = every;
  }
}
