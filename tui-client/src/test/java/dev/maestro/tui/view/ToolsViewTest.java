package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolsViewTest {
  private static JsonObject tool(String name, String sandbox) {
    JsonObject t = new JsonObject().put("name", name).put("policy", "ask").put("source", "builtin").put("enabled", true);
    return sandbox == null ? t : t.put("sandbox", sandbox);
  }

  @Test
  void aCommandToolWithoutSandboxIsWarnedAbout() {
    assertThat(ToolsView.sandboxWarning(List.of(tool("read_file", null), tool("run_command", "none"))))
        .startsWith("⚠ NO SANDBOX: run_command runs commands unconfined");
  }

  @Test
  void sandboxedOrSilentToolsAreNot() {
    assertThat(ToolsView.sandboxWarning(List.of(tool("run_command", "bubblewrap")))).isNull();
    assertThat(ToolsView.sandboxWarning(List.of(tool("run_command", "rlimits")))).isNull();
    assertThat(ToolsView.sandboxWarning(List.of(tool("run_command", null)))).isNull();
    assertThat(ToolsView.sandboxWarning(List.of())).isNull();
  }

  @Test
  void theListShowsPolicySourceSandboxAndDisabled() {
    assertThat(ToolsView.list(List.of(tool("read_file", null).put("policy", "allow"),
        tool("run_command", "none").put("enabled", false))))
        .isEqualTo("tools\n  read_file  [allow]  builtin\n  run_command  [ask]  builtin  sandbox: none  (disabled)");
    assertThat(ToolsView.list(List.of())).isEqualTo("no tools");
  }
}
