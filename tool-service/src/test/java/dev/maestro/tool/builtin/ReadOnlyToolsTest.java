package dev.maestro.tool.builtin;

import dev.maestro.tool.registry.Policy;
import dev.maestro.tool.registry.ToolDef;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 16: which tools say they are read-only (the only ones a session in plan mode runs), and that it survives a policy change. */
class ReadOnlyToolsTest {
  @Test
  void builtinReadsAndListingsAreReadOnlyAndWritesAndCommandsAreNot() {
    List<JsonObject> tools = BuiltinTools.definitions().stream().map(ToolDef::toJson).toList();
    for (JsonObject t : tools) {
      boolean expected = List.of("read_file", "list_dir", "glob", "grep").contains(t.getString("name"));
      assertThat(t.getBoolean("readOnly")).as(t.getString("name")).isEqualTo(expected);
    }
    assertThat(tools).extracting(t -> t.getString("name")).contains("write_file", "edit_file", "run_command", "read_file");
  }

  @Test
  void readOnlyIsKeptWhenAnAdminChangesThePolicy() {
    ToolDef mcp = new ToolDef("fs__read", "mcp:fs", "read", new JsonObject(), true, Policy.ALLOW, "read", true);
    assertThat(mcp.withSettings(false, Policy.ASK).readOnly()).isTrue();
    assertThat(new ToolDef("x", "builtin", "", new JsonObject(), true, Policy.ASK, null).readOnly()).isFalse();
  }
}
