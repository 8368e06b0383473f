package dev.maestro.tool;

import dev.maestro.platform.StartupException;
import dev.maestro.tool.builtin.SandboxSettings;
import dev.maestro.tool.mcp.McpSettings;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** tool-service's settings (ToolConfig, SandboxSettings, McpSettings) all fail the same clear way. */
class ToolConfigTest {
  @Test
  void defaultsAndOverrides() {
    ToolConfig c = ToolConfig.from(new JsonObject().put(ToolConfig.OUTPUT_CAP, "128k").put("MAESTRO_TOOL_GLOB_MAX_RESULTS", "5"));
    assertThat(c.outputCap()).isEqualTo(128 * 1024);
    assertThat(c.glob().maxResults()).isEqualTo(5);
    assertThat(McpSettings.from(new JsonObject()).requestTimeoutSeconds()).isEqualTo(60);
  }

  @Test
  void badValuesAreStartupErrorsNamingTheVariable() {
    assertThatThrownBy(() -> ToolConfig.from(new JsonObject().put("MAESTRO_TOOL_GLOB_DEADLINE_MS", "-5")))
        .isExactlyInstanceOf(StartupException.class)
        .hasMessage("MAESTRO_TOOL_GLOB_DEADLINE_MS must be a whole number of at least 1, got '-5'");
    assertThatThrownBy(() -> SandboxSettings.from(new JsonObject().put("MAESTRO_SANDBOX_MEMORY_MB", "lots")))
        .isExactlyInstanceOf(StartupException.class).hasMessageContaining("MAESTRO_SANDBOX_MEMORY_MB must be a whole number");
    assertThatThrownBy(() -> McpSettings.from(new JsonObject().put("MAESTRO_MCP_PING_MS", "0")))
        .isExactlyInstanceOf(StartupException.class).hasMessageContaining("MAESTRO_MCP_PING_MS must be a whole number of at least 1");
  }
}
