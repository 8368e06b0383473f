package dev.maestro.tool.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The negotiated version shown per server comes from the initialize result, bounded (the server is untrusted). */
class McpProtocolVersionTest {
  static McpSchema.InitializeResult result(String version) {
    return new McpSchema.InitializeResult(version, McpSchema.ServerCapabilities.builder().build(),
        new McpSchema.Implementation("s", "1"), null);
  }

  @Test
  void theInitializeResultsVersionIsKeptAndBounded() {
    assertThat(McpConnection.negotiatedVersion(result("2025-03-26"))).isEqualTo("2025-03-26");
    assertThat(McpConnection.negotiatedVersion(result("x".repeat(5000)))).hasSize(40);
    assertThat(McpConnection.negotiatedVersion(result(" "))).isNull();
    assertThat(McpConnection.negotiatedVersion(null)).isNull();
  }
}
