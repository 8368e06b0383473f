package dev.maestro.tool.mcp;

import dev.maestro.contracts.Timeouts;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * Builds and initializes the SDK's async client over a transport: what Maestro announces (client info,
 * capabilities), the request timeouts, and where the server's requests and notifications go
 * ({@link Events}, called on the SDK's threads; hop to the owner's context there).
 */
final class McpClientFactory {
  /** What a server tells or asks us, per client. */
  interface Events {
    /** notifications/tools/list_changed (the SDK hands over one page; the owner re-lists every page). */
    void toolsChanged();

    /** notifications/progress for a call in flight. */
    void progress(McpSchema.ProgressNotification n);

    /** elicitation/create during a call. */
    Mono<McpSchema.ElicitResult> elicit(McpSchema.ElicitRequest request);

    /** notifications/resources/list_changed. */
    void resourcesChanged();

    /** notifications/resources/updated for a subscribed URI, with its content as read again just now. */
    void resourceUpdated(String uri, java.util.List<McpSchema.ResourceContents> contents);

    /** notifications/prompts/list_changed. */
    void promptsChanged();

    /** The roots to offer from the start (roots/list; later changes go through addRoot/removeRoot). */
    java.util.List<McpSchema.Root> roots();
  }

  private final Vertx vertx;
  private final McpSettings settings;
  private final MonoFutures futures;

  McpClientFactory(Vertx vertx, Context context, McpSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.futures = new MonoFutures(context);
  }

  /** The client after a successful initialize; on failure the client is closed and the failure returned. */
  Future<LiveClient> initialize(McpClientTransport plain, Events events) {
    CancellableTransport transport = new CancellableTransport(plain);
    McpAsyncClient c = McpClient.async(transport)
        .clientInfo(new McpSchema.Implementation("maestro", "Maestro", "0.1.0"))
        .capabilities(McpSchema.ClientCapabilities.builder().roots(true).elicitation(true, false).build())
        .elicitation(events::elicit)
        // The SDK bounds every request with this, tools/call too: a call waiting on the user (elicitation)
        // or a long tool must live as long as its own timeoutSeconds (enforced by ToolServiceImpl), so
        // only the other requests get the short bound (initializationTimeout, ping, listTools).
        .requestTimeout(Duration.ofSeconds(Timeouts.mcpRequestTimeoutSeconds(settings.requestTimeoutSeconds())))
        .initializationTimeout(Duration.ofSeconds(settings.requestTimeoutSeconds()))
        .toolsChangeConsumer(tools -> {
          events.toolsChanged();
          return Mono.empty();
        })
        .progressConsumer(n -> {
          events.progress(n);
          return Mono.empty();
        })
        .resourcesChangeConsumer(list -> {
          events.resourcesChanged();
          return Mono.empty();
        })
        // the SDK reads the updated resource again before calling this (not at all when that read fails):
        // its first content names the resource's URI (a resource may hold contents of sub-URIs too)
        .resourcesUpdateConsumer(contents -> {
          if (!contents.isEmpty()) events.resourceUpdated(contents.get(0).uri(), contents);
          return Mono.empty();
        })
        .promptsChangeConsumer(list -> {
          events.promptsChanged();
          return Mono.empty();
        })
        .roots(events.roots())
        .build();
    LiveClient live = new LiveClient(c, transport);
    return futures.of(c.initialize()).map(r -> live).recover(err -> {
      close(live);
      return Future.failedFuture(err);
    });
  }

  /** closeGracefully lets a stdio server exit (stdin closed, then terminated); bounded, off the loop. */
  void close(LiveClient live) {
    if (live == null) return;
    live.markClosed();
    if (live.client() == null) {
      // stateless: no session to end; a stdio server's process is stopped
      vertx.executeBlocking(() -> {
        live.stateless().close();
        return null;
      }, false);
      return;
    }
    vertx.executeBlocking(() -> {
      try {
        live.client().closeGracefully().block(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        live.client().close();
      }
      return null;
    }, false);
  }
}
