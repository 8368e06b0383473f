package dev.maestro.session;

import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What stands between a turn and the provider for each model request: the budget is reserved for the
 * request's worst case BEFORE anything is sent (a request that does not fit ends the turn with
 * {@code budget_exceeded} and never reaches the upstream), the request goes to the session's model and,
 * when that answers overloaded / 5xx / 429 before its first delta, to the session's fallback models in
 * order ({@code model_fallback} event); the end settles the reservation to what the answering model
 * really cost. Lives on the session's context.
 */
final class RequestGuard {
  private static final Logger LOG = LoggerFactory.getLogger(RequestGuard.class);
  /** Provider failures that another model may not have: overloaded, rate limited, 5xx / unreachable, timed out. */
  static final Set<String> FALLBACK_CODES = Set.of(ProviderEvents.OVERLOADED, ProviderEvents.RATE_LIMITED,
      ProviderEvents.UPSTREAM_UNAVAILABLE, ProviderEvents.TIMEOUT, "provider_error");

  private final ProviderStreams streams;
  private final BudgetLedger ledger;
  private final ModelTable models;
  private final CredentialCheck credentials;
  private final Consumer<JsonObject> publish;
  private final String sessionId;

  RequestGuard(String sessionId, ProviderStreams streams, BudgetLedger ledger, ModelTable models, CredentialCheck credentials,
               Consumer<JsonObject> publish) {
    this.sessionId = sessionId;
    this.streams = streams;
    this.ledger = ledger;
    this.models = models;
    this.credentials = credentials;
    this.publish = publish;
  }

  /**
   * Holds the request's worst case (over every model it may go to) against the user's monthly and the
   * session's budget; fails with a {@link ProviderFailure} (budget_exceeded / unpriced_model) the turn
   * reports as its turn_error.
   */
  Future<BudgetLedger.Reservation> reserve(JsonObject session, List<JsonObject> history, ChatRequest request) {
    long input = InputEstimate.tokens(history, request);
    long maxOut = request.getMaxTokens() == null ? models.maxOutputTokens(request.getModel()) : request.getMaxTokens();
    long worst = 0;
    String unpriced = null;
    for (ModelChoice c : ModelChoice.chain(session)) {
      worst = Math.max(worst, models.worstCaseMicros(c.model(), input, maxOut));
      if (unpriced == null && !models.priced(c.model())) unpriced = c.model();
    }
    return ledger.reserveWhereLimited(session.getString("userId"), sessionId, SessionBudget.limitMicros(session), worst, unpriced)
        .recover(err -> Future.failedFuture(err instanceof BudgetLedger.Refused r ? new ProviderFailure(r.code, r.getMessage())
            : new ProviderFailure(ProviderEvents.UPSTREAM_UNAVAILABLE, "the budget cannot be checked now (" + err.getMessage()
                + "); nothing was sent, try again")));
  }

  /** Settles r with what a request to the session's own model (no fallbacks: a compaction summary) used. */
  void settle(BudgetLedger.Reservation r, JsonObject session, JsonObject used) {
    ModelChoice own = ModelChoice.chain(session).get(0);
    JsonObject usage = priced(own, used);
    boolean any = usage.getLong("inputTokens") + usage.getLong("outputTokens") > 0;
    ledger.settle(r, any ? new BudgetLedger.Charge(own.provider(), own.model(), usage, BudgetLedger.toMicros(usage.getDouble("costUsd")),
            models.priced(own.model())) : null)
        .onFailure(e -> LOG.warn("session {}: cannot settle a budget reservation: {}", sessionId, e.getMessage()));
  }

  /** Gives back a reservation whose request was never sent (the turn was cancelled first). Safe to call twice. */
  void release(BudgetLedger.Reservation r) {
    ledger.settle(r, null).onFailure(e -> LOG.warn("session {}: cannot release a budget reservation: {}", sessionId, e.getMessage()));
  }

  /**
   * Sends request under reservation r: content events go to content, each attempt's stream to current
   * (so cancel and the silence check reach the one in flight); stopped says the turn ended. → the
   * answer's usage priced at the answering model ({inputTokens…, costUsd, provider, model}).
   */
  Future<JsonObject> send(JsonObject session, ChatRequest request, BudgetLedger.Reservation r, Consumer<JsonObject> content,
                          Consumer<ProviderStream> current, BooleanSupplier stopped) {
    return attempt(ModelChoice.chain(session), 0, session, request, r, content, current, stopped);
  }

  private Future<JsonObject> attempt(List<ModelChoice> chain, int i, JsonObject session, ChatRequest request,
                                     BudgetLedger.Reservation r, Consumer<JsonObject> content, Consumer<ProviderStream> current,
                                     BooleanSupplier stopped) {
    ModelChoice choice = chain.get(i);
    if (stopped.getAsBoolean()) {
      release(r);
      return Future.failedFuture(new ProviderFailure(ProviderEvents.CANCELLED, "the turn ended before the request was sent"));
    }
    // the session's own credential was checked at the start of the turn; a fallback's is checked before its use
    Future<Void> owned = i == 0 ? Future.succeededFuture()
        : credentials.owned(session.getString("userId"), choice.credentialId());
    return owned.recover(err -> {
      release(r);
      return Future.failedFuture(new ProviderFailure(CredentialCheck.NOT_FOUND_CODE, "the fallback model " + choice.model()
          + " names a credential that does not exist (deleted, or not yours): " + err.getMessage()));
    }).compose(v -> {
      boolean[] delivered = {false};
      ChatRequest toSend = new ChatRequest(request.toJson()).setProvider(choice.provider())
          .setCredentialId(choice.credentialId()).setModel(choice.model());
      ProviderStream s = streams.open(toSend.toJson(), e -> {
        delivered[0] = true;
        content.accept(e);
      });
      current.accept(s);
      return s.end().transform(ar -> {
        JsonObject usage = priced(choice, s.usage());
        long cost = BudgetLedger.toMicros(usage.getDouble("costUsd"));
        boolean used = usage.getLong("inputTokens") + usage.getLong("outputTokens") > 0;
        // a request that failed before using anything is released whole; what it did use is paid for
        BudgetLedger.Charge charge = ar.succeeded() || used
            ? new BudgetLedger.Charge(choice.provider(), choice.model(), usage, cost, models.priced(choice.model())) : null;
        boolean fallBack = ar.failed() && !delivered[0] && !used && i + 1 < chain.size() && !stopped.getAsBoolean()
            && ar.cause() instanceof ProviderFailure pf && FALLBACK_CODES.contains(pf.code);
        if (fallBack) {
          ProviderFailure pf = (ProviderFailure) ar.cause();
          ModelChoice next = chain.get(i + 1);
          LOG.info("session {}: {} answered {} before its first delta; falling back to {}", sessionId, choice.model(), pf.code, next.model());
          publish.accept(SessionEvents.modelFallback(choice.toJson(), next.toJson(), pf.code, pf.getMessage()));
          // the reservation covered the dearest model of the chain: it stays held for the next attempt
          return attempt(chain, i + 1, session, request, r, content, current, stopped);
        }
        Future<Void> settled = ledger.settle(r, charge).recover(e -> {
          LOG.warn("session {}: cannot settle a budget reservation: {}", sessionId, e.getMessage());
          return Future.succeededFuture();
        });
        return settled.compose(x -> ar.succeeded() ? Future.succeededFuture(usage) : Future.failedFuture(ar.cause()));
      });
    });
  }

  private JsonObject priced(ModelChoice choice, JsonObject u) {
    JsonObject usage = new JsonObject()
        .put("inputTokens", u.getLong("inputTokens", 0L)).put("outputTokens", u.getLong("outputTokens", 0L))
        .put("cacheReadTokens", u.getLong("cacheReadTokens", 0L)).put("cacheWriteTokens", u.getLong("cacheWriteTokens", 0L));
    return usage.put("costUsd", models.cost(choice.model(), usage)).put("provider", choice.provider()).put("model", choice.model());
  }

  /** A model a request may go to: the session's own, then each of params.fallbackModels. */
  record ModelChoice(String provider, String credentialId, String model) {
    JsonObject toJson() {
      return new JsonObject().put("provider", provider).put("model", model);
    }

    /**
     * The session's model first, then its fallbacks in order. A fallback without a provider uses the
     * session's; without a credential it uses the session's credential when the provider is the same
     * (another provider's default credential otherwise).
     */
    static List<ModelChoice> chain(JsonObject session) {
      String provider = session.getString("provider");
      String credentialId = session.getString("credentialId");
      java.util.ArrayList<ModelChoice> out = new java.util.ArrayList<>();
      out.add(new ModelChoice(provider, credentialId, session.getString("model")));
      JsonArray fallbacks = session.getJsonObject("params", new JsonObject()).getJsonArray(FallbackModels.KEY, new JsonArray());
      for (Object o : fallbacks) {
        if (!(o instanceof JsonObject f) || !(f.getValue("model") instanceof String m) || m.isBlank()) continue;
        String p = f.getString("provider", provider);
        String c = f.containsKey("credentialId") ? f.getString("credentialId") : p.equals(provider) ? credentialId : null;
        out.add(new ModelChoice(p, c, m));
      }
      return out;
    }
  }
}
