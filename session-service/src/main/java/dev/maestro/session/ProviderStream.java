package dev.maestro.session;

import dev.maestro.contracts.provider.ProviderEvents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Consumer;

/**
 * One provider stream as seen by a session: its id, the usage figures, the end (the stop reason, or a
 * {@link ProviderFailure}) and when it last sent something. Content events (text, thinking, tool
 * calls) go to the consumer given at the start; a turn builds its message from them, a compaction
 * only collects the text. Opened and routed by {@link ProviderStreams}.
 */
final class ProviderStream {
  private static final List<String> USAGE_KEYS = List.of("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens");

  final String id;
  private final Consumer<JsonObject> content;
  private final Promise<String> end = Promise.promise();
  private final JsonObject usage = new JsonObject();
  private long lastEventMs;

  ProviderStream(String id, Consumer<JsonObject> content, long nowMs) {
    this.id = id;
    this.content = content;
    this.lastEventMs = nowMs;
  }

  /** Takes one event of this stream. Events after the end are ignored (a late event of a cancelled stream). */
  void accept(JsonObject e, long nowMs) {
    if (end.future().isComplete()) return;
    lastEventMs = nowMs;
    switch (e.getString("type", "")) {
      case ProviderEvents.USAGE -> {
        // providers report running totals, some more than once: keep the largest of each
        for (String k : USAGE_KEYS) usage.put(k, Math.max(usage.getLong(k, 0L), e.getLong(k, 0L)));
      }
      case ProviderEvents.DONE -> end.tryComplete(e.getString("stopReason", "end_turn"));
      case ProviderEvents.ERROR -> end.tryFail(new ProviderFailure(e.getString("code", "error"), e.getString("message", "")));
      default -> content.accept(e);
    }
  }

  /** Completes with the stop reason; fails with a {@link ProviderFailure}. */
  Future<String> end() {
    return end.future();
  }

  boolean ended() {
    return end.future().isComplete();
  }

  /** Ends the stream from this side (cancel, timeout, the provider call failing); false when it had ended. */
  boolean fail(ProviderFailure failure) {
    return end.tryFail(failure);
  }

  /** The figures so far: {inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens}, missing ones 0. */
  JsonObject usage() {
    JsonObject u = new JsonObject();
    for (String k : USAGE_KEYS) u.put(k, usage.getLong(k, 0L));
    return u;
  }

  boolean silentFor(long ms, long nowMs) {
    return !ended() && nowMs - lastEventMs > ms;
  }
}
