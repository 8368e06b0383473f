package dev.maestro.session;

import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Compaction of one live session (the rules are in {@link Compaction}): on the user's request, and
 * before a model request that would pass the threshold of the model's window. The summary is one
 * provider stream of the session's own model, opened through the same {@link ProviderStreams} as
 * the turns.
 */
final class Compactor {
  private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

  private final LiveState live;
  private final SessionStore store;
  private final ProviderStreams streams;
  private final ModelTable models;
  private final SessionSettings settings;
  private final Vertx vertx;
  private final Runnable touched;
  /** A summary is a model request too: reserved against the budgets before it is sent. */
  private final RequestGuard guard;
  private boolean running;

  Compactor(LiveState live, SessionStore store, ProviderStreams streams, ModelTable models, SessionSettings settings,
            Vertx vertx, Runnable touched) {
    this.live = live;
    this.store = store;
    this.streams = streams;
    this.models = models;
    this.settings = settings;
    this.vertx = vertx;
    this.touched = touched;
    this.guard = new RequestGuard(live.sessionId, streams, store.budgetLedger(), models,
        null, live::publish);
  }

  boolean running() {
    return running;
  }

  /**
   * A user's request (the caller refuses it while a turn runs): summarize the older messages now.
   * Answers once started; the outcome is the {@code compacted} or {@code compaction_failed} event.
   */
  Future<JsonObject> onRequest() {
    if (running) return Fail.conflict("a compaction is already running");
    running = true;
    // the live row, kept current by SessionChanged (no re-read)
    live.session = live.stored.copy();
    Future.<Void>succeededFuture().compose(v -> summarize())
        .onComplete(ar -> {
          running = false;
          live.history.settle(); // no turn runs: the decoded messages are not needed any more
          touched.run();
          if (ar.failed()) {
            ProviderFailure pf = ProviderFailure.of(ar.cause());
            live.publish(SessionEvents.compactionFailed(pf.code, pf.getMessage()));
          } else if (!ar.result()) {
            live.publish(SessionEvents.compactionFailed("nothing_to_compact", "the session is too short to compact"));
          }
        });
    return Future.succeededFuture(new JsonObject().put("accepted", true));
  }

  /**
   * The request for the next model call, compacted first when it would pass the threshold of the
   * model's context window; fails (context_too_long) rather than send what the provider must
   * reject for length.
   */
  Future<ChatRequest> fit(List<JsonObject> offered) {
    JsonObject session = live.session;
    String model = session.getString("model");
    long window = models.contextWindow(model);
    List<JsonObject> history = live.history.messages();
    ChatRequest request = ChatRequests.build(session, models, ContextBuilder.build(history), offered);
    long estimate = Compaction.estimate(history, request);
    if (estimate + request.getMaxTokens() <= window * settings.compactThreshold()) return Future.succeededFuture(request);
    running = true;
    return summarize().eventually(() -> {
      running = false;
      return Future.succeededFuture();
    }).recover(err -> {
      LOG.warn("session {}: automatic compaction failed: {}", live.sessionId, err.getMessage());
      return Future.succeededFuture(false);
    }).compose(done -> {
      List<JsonObject> now = live.history.messages();
      ChatRequest again = ChatRequests.build(live.session, models, ContextBuilder.build(now), offered);
      long size = Compaction.estimate(now, again);
      if (size + again.getMaxTokens() > window) {
        return Future.failedFuture(new ProviderFailure(ProviderEvents.CONTEXT_TOO_LONG, "the conversation needs about "
            + size + " tokens plus " + again.getMaxTokens() + " for the answer, more than the " + window
            + " of " + model + ", even after compaction"));
      }
      return Future.succeededFuture(again);
    });
  }

  /**
   * The documented strategy: every message before the last few user exchanges is summarized by the
   * session's own model into one {@code summary} message; the originals stay in PostgreSQL marked
   * {@code compacted} and are no longer sent. Answers false when there is nothing old enough.
   */
  Future<Boolean> summarize() {
    List<JsonObject> history = live.history.messages();
    int cut = Compaction.cutIndex(history, settings.keepRecentMessages());
    if (cut <= 0) return Future.succeededFuture(false);
    List<JsonObject> old = new ArrayList<>(history.subList(0, cut));
    List<UUID> oldIds = new ArrayList<>();
    old.forEach(m -> oldIds.add(UUID.fromString(m.getString("id"))));
    ChatRequest request = ChatRequests.build(live.session, models, Compaction.request(ContextBuilder.build(old)), List.of())
        .setSystem(Compaction.SYSTEM).setMaxTokens(Compaction.MAX_SUMMARY_TOKENS);
    return guard.reserve(live.session, old, request).compose(held -> summarize(cut, old, oldIds, request, held));
  }

  private Future<Boolean> summarize(int cut, List<JsonObject> old, List<UUID> oldIds, ChatRequest request,
                                    BudgetLedger.Reservation held) {
    StringBuilder text = new StringBuilder();
    ProviderStream stream = streams.open(request.toJson(), e -> {
      if (ProviderEvents.TEXT.equals(e.getString("type"))) text.append(e.getString("text", ""));
    });
    long timer = vertx.setTimer(settings.streamIdleTimeoutMs(), x ->
        streams.cancel(stream, new ProviderFailure(ProviderEvents.TIMEOUT, "summary timed out")));
    return stream.end().andThen(ar -> {
      vertx.cancelTimer(timer);
      guard.settle(held, live.session, stream.usage());
    }).compose(stop -> {
      String summaryText = text.toString().trim();
      if (summaryText.isEmpty()) return Future.failedFuture(new ProviderFailure("empty_summary", "the model returned an empty summary"));
      JsonObject usage = ChatRequests.priced(live.session, models, stream.usage());
      JsonObject summary = live.history.newMessage(Messages.SUMMARY, null, Messages.textContent(summaryText), SessionEvents.COMPLETE)
          .put("usage", usage);
      return store.insertSummary(live.sessionId, summary, oldIds, live.fence)
          .compose(v -> store.addUsage(live.sessionId, usage, live.fence))
          .map(v -> {
            // the summary stands where the compacted messages were, ahead of the kept ones
            live.history.compacted(cut, summary);
            live.publish(SessionEvents.compacted(summary.getString("id"), old.size()));
            LOG.info("session {}: compacted {} messages into a summary", live.sessionId, cut);
            return true;
          });
    });
  }
}
