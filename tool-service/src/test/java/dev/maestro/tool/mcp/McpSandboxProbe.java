package dev.maestro.tool.mcp;

import dev.maestro.tool.builtin.Sandbox;
import dev.maestro.tool.exec.ToolError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/** Test access to {@link McpSandbox}'s package-private launch from other test packages. */
public final class McpSandboxProbe {
  private final McpSandbox sandbox;

  public McpSandboxProbe(Sandbox sandbox, Path dataDir) {
    this.sandbox = new McpSandbox(sandbox, dataDir);
  }

  public static boolean onPath(String command) {
    return McpSandbox.resolveCommand(command) != null;
  }

  /** The refusal a stdio server with this command gets, or null when it would be launched. */
  public String refusalFor(String command) {
    try {
      sandbox.launch(new JsonObject().put("id", "probe").put("command", command).put("args", new JsonArray()));
      return null;
    } catch (ToolError e) {
      return e.getMessage();
    }
  }
}
