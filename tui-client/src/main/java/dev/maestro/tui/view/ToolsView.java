package dev.maestro.tui.view;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** GET /api/v1/tools as the /tools notice, and the warning when a tool runs commands without a sandbox. */
public final class ToolsView {
  /** tool-service's word for "commands run as the service user, unconfined". */
  static final String NO_SANDBOX = "none";

  private ToolsView() {}

  /** One line per tool: name, policy, source, its sandbox when it says, and (disabled). */
  public static String list(List<JsonObject> tools) {
    if (tools.isEmpty()) {
      return "no tools";
    }
    StringBuilder sb = new StringBuilder("tools");
    tools.forEach(t -> sb.append("\n  ").append(t.getString("name")).append("  [")
        .append(t.getString("policy", "?")).append("]  ").append(t.getString("source", ""))
        .append(t.getString("sandbox") == null ? "" : "  sandbox: " + t.getString("sandbox"))
        .append(Boolean.FALSE.equals(t.getBoolean("enabled")) ? "  (disabled)" : ""));
    return sb.toString();
  }

  /**
   * A loud line when a tool (run_command) reports {@code "sandbox":"none"}: the model's commands then
   * run with the server's own rights. Null when every tool that reports a sandbox has one.
   */
  public static String sandboxWarning(List<JsonObject> tools) {
    List<String> bare = tools.stream().filter(t -> NO_SANDBOX.equals(t.getString("sandbox")))
        .map(t -> t.getString("name")).toList();
    if (bare.isEmpty()) {
      return null;
    }
    return "⚠ NO SANDBOX: " + String.join(", ", bare)
        + " runs commands unconfined, with the server's own rights (tool-service sandbox is off)";
  }
}
