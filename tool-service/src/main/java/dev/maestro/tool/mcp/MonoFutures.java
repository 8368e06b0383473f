package dev.maestro.tool.mcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The SDK's Reactor results as Vert.x futures completed on the owning context. */
final class MonoFutures {
  private final Context context;

  MonoFutures(Context context) {
    this.context = context;
  }

  <T> Future<T> of(Mono<T> mono) {
    Promise<T> p = Promise.promise();
    // subscribeOn: some SDK transports do blocking work when subscribed (the HTTP+SSE one waits for
    // its endpoint event), and subscription would otherwise happen on the event loop.
    mono.subscribeOn(Schedulers.boundedElastic()).subscribe(v -> context.runOnContext(x -> p.tryComplete(v)),
        err -> context.runOnContext(x -> p.tryFail(err)),
        () -> context.runOnContext(x -> p.tryComplete(null)));
    return p.future();
  }
}
