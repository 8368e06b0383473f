package dev.maestro.tool.mcp;

import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * What the lists and the catalog ask of a connected server, whichever revision it speaks: the SDK's
 * client for servers of the 2025 revisions (initialize, a session), {@link StatelessPeer} for servers of
 * the 2026-07-28 revision (every request stands alone).
 */
interface McpPeer {
  /** What the server said it can do (initialize result or server/discover); null when it said nothing. */
  McpSchema.ServerCapabilities capabilities();

  Mono<McpSchema.ListToolsResult> listTools(String cursor);

  Mono<McpSchema.ListResourcesResult> listResources(String cursor);

  /** resources/subscribe (2025); the 2026-07-28 revision has no such method (subscriptions/listen instead). */
  Mono<Void> subscribeResource(String uri);

  /** resources/unsubscribe (2025). */
  Mono<Void> unsubscribeResource(String uri);

  Mono<McpSchema.ReadResourceResult> readResource(String uri);

  Mono<McpSchema.ListPromptsResult> listPrompts(String cursor);

  Mono<McpSchema.GetPromptResult> getPrompt(McpSchema.GetPromptRequest request);

  /** The SDK's client as a peer. */
  static McpPeer sdk(McpAsyncClient c) {
    return new McpPeer() {
      @Override public McpSchema.ServerCapabilities capabilities() { return c.getServerCapabilities(); }
      @Override public Mono<McpSchema.ListToolsResult> listTools(String cursor) { return c.listTools(cursor); }
      @Override public Mono<McpSchema.ListResourcesResult> listResources(String cursor) { return c.listResources(cursor); }
      @Override public Mono<Void> subscribeResource(String uri) { return c.subscribeResource(new McpSchema.SubscribeRequest(uri)); }
      @Override public Mono<Void> unsubscribeResource(String uri) {
        return c.unsubscribeResource(new McpSchema.UnsubscribeRequest(uri));
      }
      @Override public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
        return c.readResource(new McpSchema.ReadResourceRequest(uri));
      }
      @Override public Mono<McpSchema.ListPromptsResult> listPrompts(String cursor) { return c.listPrompts(cursor); }
      @Override public Mono<McpSchema.GetPromptResult> getPrompt(McpSchema.GetPromptRequest r) { return c.getPrompt(r); }
    };
  }
}
