package dev.maestro.session;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * A session's mode: in {@value #PLAN} mode only read-only tools run (the model plans, nothing on the
 * host changes); {@value #BUILD} runs every tool its policy allows. Which tools are read-only is said
 * by tool-service ({@code "readOnly"}: built-in file reads and listings, MCP tools whose annotations
 * declare {@code readOnlyHint}); the built-in names are known here too, for a tool-service that does
 * not say yet.
 */
final class SessionModes {
  static final String PLAN = "plan";
  static final String BUILD = "build";
  static final Set<String> ALL = Set.of(PLAN, BUILD);
  private static final Set<String> BUILTIN_READ_ONLY = Set.of("read_file", "list_dir", "glob", "grep");

  private SessionModes() {}

  static boolean readOnly(JsonObject tool) {
    if (tool.getBoolean("readOnly", false)) return true;
    return "builtin".equals(tool.getString("source")) && BUILTIN_READ_ONLY.contains(tool.getString("name"));
  }

  /** The tool error a refused call returns: it tells the model why and what it may still do. */
  static String planModeRefusal(String tool) {
    return "The session is in plan mode: only read-only tools (reading files, listing, searching) run, so '" + tool
        + "' was not run. Make a plan with what you can read; the user switches to build mode to let changes run.";
  }
}
