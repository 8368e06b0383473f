package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolError;
import dev.maestro.tool.exec.ToolResult;
import dev.maestro.tool.registry.Policy;
import dev.maestro.tool.registry.ToolDef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The built-in tools: their definitions (schema, default policy) and how each one runs. */
public final class BuiltinTools {
  public static final int MAX_COMMAND_TIMEOUT = dev.maestro.contracts.Timeouts.MAX_TOOL_SECONDS;
  public static final int DEFAULT_COMMAND_TIMEOUT = dev.maestro.contracts.Timeouts.DEFAULT_CALL_SECONDS;

  private final Vertx vertx;
  private final Path dataDir;
  private final CommandRunner commands;
  private final FileTools.GlobLimits globLimits;
  private final SessionViews views;

  /**
   * What one session's commands see besides its workspace, and extra environment for them (a project session's
   * worktree needs its repository's git directory). The default: the workspace alone.
   */
  public interface SessionViews {
    Sandbox.View view(String sessionId, Path workspace);

    default java.util.Map<String, String> environment(String sessionId) {
      return java.util.Map.of();
    }

    SessionViews WORKSPACE_ONLY = (sessionId, workspace) -> Sandbox.View.workspace(workspace);
  }

  public BuiltinTools(Vertx vertx, Path dataDir, CommandRunner commands, FileTools.GlobLimits globLimits) {
    this(vertx, dataDir, commands, globLimits, SessionViews.WORKSPACE_ONLY);
  }

  public BuiltinTools(Vertx vertx, Path dataDir, CommandRunner commands, FileTools.GlobLimits globLimits, SessionViews views) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.commands = commands;
    this.globLimits = globLimits;
    this.views = views;
  }

  public static List<ToolDef> definitions() {
    return List.of(
        def("read_file", "Read a text file from the session workspace. Paths are relative to the workspace. "
            + "Optional offset (1-based line) and limit (number of lines).", Policy.ALLOW,
            props().put("path", str("File path relative to the workspace"))
                .put("offset", integer("First line to return (1-based)", 1))
                .put("limit", integer("Maximum number of lines", 1)), "path"),
        def("write_file", "Create or overwrite a text file in the session workspace.", Policy.ASK,
            props().put("path", str("File path relative to the workspace")).put("content", str("Full file content")),
            "path", "content"),
        def("edit_file", "Replace one exact, unique occurrence of `old` with `new` in a workspace file.", Policy.ASK,
            props().put("path", str("File path relative to the workspace"))
                .put("old", str("Exact text to replace (must match once)")).put("new", str("Replacement text")),
            "path", "old", "new"),
        def("list_dir", "List a directory of the session workspace ('/' marks directories, '@' symlinks).", Policy.ALLOW,
            props().put("path", str("Directory relative to the workspace (default '.')"))),
        def("glob", "Find workspace files whose relative path matches a glob such as '**/*.java'.", Policy.ALLOW,
            props().put("pattern", str("Glob pattern relative to the workspace")), "pattern"),
        def("grep", "Search workspace text files for a Java regular expression; prints path:line: text.", Policy.ALLOW,
            props().put("pattern", str("Regular expression")).put("path", str("File or directory to search (default '.')")),
            "pattern"),
        def("run_command", "Run a bash command in the session workspace (sandboxed: no network, only the workspace is writable). "
            + "Output (stdout+stderr) is capped; the process tree is killed on timeout.", Policy.ASK,
            props().put("command", str("The bash command line"))
                .put("timeoutSeconds", integer("Wall-clock limit in seconds (default " + DEFAULT_COMMAND_TIMEOUT
                    + ", max " + MAX_COMMAND_TIMEOUT + ")", 1).put("maximum", MAX_COMMAND_TIMEOUT)),
            "command"));
  }

  public Future<ToolResult> execute(String name, JsonObject args, CallContext ctx) {
    if (name.equals("run_command")) {
      Workspace ws;
      try {
        ws = Workspace.forSession(dataDir, ctx.workspaceId(), commands.sandbox());
      } catch (ToolError e) {
        return Future.succeededFuture(ToolResult.error(e.getMessage()));
      }
      int timeout = Math.min(args.getInteger("timeoutSeconds", Math.min(ctx.timeoutSeconds(), DEFAULT_COMMAND_TIMEOUT)),
          MAX_COMMAND_TIMEOUT);
      // the view follows the workspace, not the caller: a sub-agent works in its parent's worktree and needs
      // that worktree's git directories (keyed by the parent session), not a plain view of its own id
      return commands.run(ws, views.view(ctx.workspaceId(), ws.root()), views.environment(ctx.workspaceId()),
          args.getString("command"), timeout, ctx);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ctx.timeoutSeconds());
    return vertx.executeBlocking(() -> {
      try {
        Workspace ws = Workspace.forSession(dataDir, ctx.workspaceId(), commands.sandbox());
        String text = switch (name) {
          case "read_file" -> FileTools.readFile(ws, args);
          case "write_file" -> FileTools.writeFile(ws, args);
          case "edit_file" -> FileTools.editFile(ws, args);
          case "list_dir" -> FileTools.listDir(ws, args);
          case "glob" -> FileTools.glob(ws, args, globLimits);
          case "grep" -> FileTools.grep(ws, args, deadline);
          default -> throw new ToolError("unknown built-in tool " + name);
        };
        return ToolResult.text(text);
      } catch (ToolError e) {
        return ToolResult.error(e.getMessage());
      }
    }, false);
  }

  /** The built-ins that change nothing: what a session in plan mode may run. */
  static final java.util.Set<String> READ_ONLY = java.util.Set.of("read_file", "list_dir", "glob", "grep");

  private static ToolDef def(String name, String description, Policy policy, JsonObject properties, String... required) {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties)
        .put("required", new JsonArray(List.of((Object[]) required))).put("additionalProperties", false);
    return new ToolDef(name, ToolDef.BUILTIN, description, schema, true, policy, null, READ_ONLY.contains(name));
  }

  private static JsonObject props() {
    return new JsonObject();
  }

  private static JsonObject str(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }

  private static JsonObject integer(String description, int minimum) {
    return new JsonObject().put("type", "integer").put("description", description).put("minimum", minimum);
  }
}
