package dev.maestro.tool.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The server's lists, every page (bounded: a server that never stops paging gets 100 pages). */
final class McpLists {
  private static final int MAX_PAGES = 100;

  private final McpSettings settings;
  private final MonoFutures futures;

  McpLists(Context context, McpSettings settings) {
    this.settings = settings;
    this.futures = new MonoFutures(context);
  }

  Future<List<McpSchema.Tool>> tools(McpPeer c) {
    List<McpSchema.Tool> all = new ArrayList<>();
    McpSchema.ServerCapabilities caps = c.capabilities();
    if (caps == null || caps.tools() == null) return Future.succeededFuture(all);   // a server without tools
    return toolPage(c, null, all, 0);
  }

  private Future<List<McpSchema.Tool>> toolPage(McpPeer c, String cursor, List<McpSchema.Tool> all, int pages) {
    if (pages > MAX_PAGES) return Future.succeededFuture(all);
    return futures.of((cursor == null ? c.listTools(null) : c.listTools(cursor)).timeout(bound())).compose(r -> {
      all.addAll(r.tools());
      String next = r.nextCursor();
      return next == null || next.isEmpty() ? Future.succeededFuture(all) : toolPage(c, next, all, pages + 1);
    });
  }

  private Duration bound() {
    return Duration.ofSeconds(settings.requestTimeoutSeconds());
  }
}
