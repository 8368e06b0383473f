package dev.maestro.gateway.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Batches a socket's writes per event-loop tick: every frame written during one task of the socket's
 * event loop (several session events arriving together, a subscribe's ack and backlog) goes to the
 * kernel in one flush, i.e. one syscall, at the end of that task. Nothing waits for a timer: the
 * flush is the event loop's next task. Netty's {@link FlushConsolidationHandler} does exactly this
 * when told to consolidate outside reads too; it sits just in front of Vert.x's handler (the last
 * of the upgraded pipeline), so every write and flush of the socket passes through it, and it
 * flushes before a close. (vertx-web wraps the ServerWebSocket, so the channel is reached through
 * the request's connection, Vert.x's internal {@link ConnectionBase}.)
 */
final class FlushPerTick {
  static final String NAME = "maestro-flush-per-tick";

  private FlushPerTick() {}

  /** Call once the upgrade succeeded. False when the connection is not Vert.x's own (writes then flush one by one). */
  static boolean install(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) return false;
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandlerContext vertxHandler = pipeline.lastContext();
    if (vertxHandler == null || pipeline.get(NAME) != null) return vertxHandler != null;
    pipeline.addBefore(vertxHandler.name(), NAME,
        new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    return true;
  }
}
