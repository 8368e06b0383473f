package dev.maestro.tool.mcp;

import dev.maestro.tool.exec.ToolResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one wording of a failed tools/call, shared by the 2025 path (McpToolCalls) and the stateless one. */
class McpErrorsTest {
  static String text(ToolResult r) {
    return r.text();
  }

  @Test
  void aRefusalAsksForSignInAndAFailureSaysWhy() {
    ToolResult refused = McpErrors.callFailed("srv", 403, new IllegalStateException("ignored"));
    assertThat(refused.isError()).isTrue();
    assertThat(text(refused)).isEqualTo("MCP server 'srv' refused the call with HTTP 403: it requires (more) authorization; "
        + "sign in to this MCP server again");
    ToolResult failed = McpErrors.callFailed("srv", null, new RuntimeException((String) null, new IllegalStateException("pipe closed")));
    assertThat(text(failed)).isEqualTo("MCP server 'srv' failed the call: pipe closed");
  }
}
