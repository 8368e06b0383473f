package dev.maestro.gateway.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * Batches a socket's writes per event-loop tick: every frame written during one task of the socket's
 * event loop (several session events arriving together, a backlog) goes to the kernel in one flush,
 * i.e. one syscall, at the end of that task. Nothing waits for a timer: the flush is the event
 * loop's next task. Netty's {@link FlushConsolidationHandler} does exactly this when told to
 * consolidate outside reads too; it sits just in front of Vert.x's handler, so every write and flush
 * of the socket passes through it, and it flushes before a close.
 */
final class FlushPerTick {
  static final String NAME = "maestro-flush-per-tick";

  private FlushPerTick() {}

  /** False when the socket is not Vert.x's own implementation (then writes flush one by one, as before). */
  static boolean install(ServerWebSocket ws) {
    if (!(ws instanceof WebSocketInternal internal)) return false;
    ChannelHandlerContext ctx = internal.channelHandlerContext();
    if (ctx == null || ctx.isRemoved()) return false;
    if (ctx.pipeline().get(NAME) == null) {
      ctx.pipeline().addBefore(ctx.name(), NAME,
          new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    }
    return true;
  }
}
