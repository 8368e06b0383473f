package dev.maestro.tool.mcp;

import io.modelcontextprotocol.client.McpAsyncClient;

/** An initialized SDK client and the transport wrapper that can cancel its calls on the server. */
final class LiveClient {
  private final McpAsyncClient client;
  private final CancellableTransport transport;
  private volatile boolean closed;

  LiveClient(McpAsyncClient client, CancellableTransport transport) {
    this.client = client;
    this.transport = transport;
  }

  McpAsyncClient client() { return client; }
  CancellableTransport transport() { return transport; }

  /** Closed clients send nothing more (no notifications/cancelled to a server we have left). */
  boolean closed() { return closed; }
  void markClosed() { closed = true; }
}
