package dev.maestro.tool.mcp;

import io.modelcontextprotocol.client.McpAsyncClient;

/**
 * A connected server: either an initialized SDK client and the transport wrapper that can cancel its calls
 * (2025 revisions), or a {@link StatelessPeer} (2026-07-28: nothing to keep open, every request stands alone).
 */
final class LiveClient {
  private final McpAsyncClient client;
  private final CancellableTransport transport;
  private final StatelessPeer stateless;
  private final McpPeer peer;
  private volatile boolean closed;

  LiveClient(McpAsyncClient client, CancellableTransport transport) {
    this.client = client;
    this.transport = transport;
    this.stateless = null;
    this.peer = McpPeer.sdk(client);
  }

  LiveClient(StatelessPeer stateless) {
    this.client = null;
    this.transport = null;
    this.stateless = stateless;
    this.peer = stateless;
  }

  /** The SDK client; null for a server of the stateless revision. */
  McpAsyncClient client() { return client; }
  CancellableTransport transport() { return transport; }
  /** The stateless peer; null for a server of a 2025 revision. */
  StatelessPeer stateless() { return stateless; }
  McpPeer peer() { return peer; }

  /** The tool's input schema exactly as the server listed it (every JSON Schema keyword), or null. */
  java.util.Map<String, Object> rawSchema(String tool) {
    return stateless != null ? stateless.rawSchema(tool) : transport.rawSchema(tool);
  }

  /** Closed clients send nothing more (no notifications/cancelled to a server we have left). */
  boolean closed() { return closed; }
  void markClosed() { closed = true; }
}
