package dev.maestro.session;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The provider streams of one live session: opens them with the session's reply address, routes each
 * arriving event to its stream by {@code streamId} (events of a stream that ended or is unknown are
 * dropped), and cancels them. Used on the session's context only.
 */
final class ProviderStreams {
  private final ProviderService provider;
  private final String replyAddress;
  private final LongSupplier clock;
  private final Map<String, ProviderStream> open = new HashMap<>();
  /** This node's cluster id, sent with each stream: provider-service stops it if the node dies (null: not clustered). */
  private String requesterNode;
  /**
   * The membership of the provider-service nodes serving the open streams. A stream whose server left this
   * node's view of the cluster (it died, or a partition separates them) would never send again: it ends at
   * once with upstream_unavailable instead of after the stream idle timeout (chaos partition: turns hung).
   */
  private dev.maestro.platform.DeadRequesterWatch servers;

  ProviderStreams(ProviderService provider, String replyAddress, LongSupplier clock) {
    this.provider = provider;
    this.replyAddress = replyAddress;
    this.clock = clock;
  }

  ProviderStreams requester(String node) {
    this.requesterNode = node;
    return this;
  }

  /** Watches the provider-service nodes serving the streams (null: not watched, e.g. unit tests). */
  ProviderStreams servers(dev.maestro.platform.DeadRequesterWatch watch) {
    this.servers = watch;
    return this;
  }

  /** Starts a stream for request (the JSON of a ChatRequest); content events go to content. */
  ProviderStream open(JsonObject request, Consumer<JsonObject> content) {
    ProviderStream s = new ProviderStream(UUID.randomUUID().toString(), content, clock.getAsLong());
    open.put(s.id, s);
    s.end().onComplete(ar -> open.remove(s.id));
    if (requesterNode != null) request.put(dev.maestro.platform.DeadRequesterWatch.FIELD, requesterNode);
    if (servers != null) {
      // this node merged back after a partition: the stream's events may have gone to a view without it
      Runnable unwatch = servers.watchMerged(() -> s.fail(new ProviderFailure(ProviderEvents.UPSTREAM_UNAVAILABLE,
          "this session node rejoined the cluster after a network partition; the stream's events may have been lost")));
      s.end().onComplete(ar -> unwatch.run());
    }
    provider.stream(request, replyAddress, s.id).onFailure(err -> s.fail(ProviderFailure.of(err)));
    return s;
  }

  /** An event from provider-service. */
  void dispatch(JsonObject event) {
    dispatch(event, null);
  }

  /** An event from provider-service; servedBy: the serving node, named on a stream's first event (else null). */
  void dispatch(JsonObject event, String servedBy) {
    ProviderStream s = open.get(event.getString("streamId"));
    if (s == null) return;
    if (servedBy != null && servers != null && !s.ended()) {
      Runnable unwatch = servers.watch(servedBy, () -> s.fail(new ProviderFailure(ProviderEvents.UPSTREAM_UNAVAILABLE,
          "the provider-service node serving this stream left the cluster")));
      s.end().onComplete(ar -> unwatch.run());
    }
    s.accept(event, clock.getAsLong());
  }

  /** Asks provider-service to stop the stream and ends it here at once with failure (late events are ignored). */
  void cancel(ProviderStream s, ProviderFailure failure) {
    stopUpstream(s);
    s.fail(failure);
  }

  /**
   * Only asks provider-service to stop the stream; the caller ends it here itself (a turn being
   * cancelled records its own end first, so the stream's failure is not taken for the turn's).
   */
  void stopUpstream(ProviderStream s) {
    provider.cancel(s.id);
  }

  /** Cancels a stream silent for longer than ms: it ends with {@code timeout}. */
  void cancelIfSilent(ProviderStream s, long ms) {
    if (s != null && s.silentFor(ms, clock.getAsLong())) {
      cancel(s, new ProviderFailure(ProviderEvents.TIMEOUT, "the provider sent nothing for " + ms / 1000 + " s"));
    }
  }

  int openCount() {
    return open.size();
  }
}
