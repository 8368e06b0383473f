package dev.maestro.tool.registry;

import io.vertx.core.json.JsonObject;

/**
 * One registered tool. {@code remoteName} is the name the MCP server knows it by (null for built-ins):
 * exposed names are namespaced and sanitised, so the original must be kept.
 */
public record ToolDef(String name, String source, String description, JsonObject inputSchema,
                      boolean enabled, Policy policy, String remoteName, boolean readOnly) {

  /**
   * readOnly: the tool changes nothing (built-in reads and listings, MCP tools annotated readOnlyHint);
   * the only tools a session in plan mode runs. Not stored: known again when the tool is (re)discovered.
   */
  public ToolDef(String name, String source, String description, JsonObject inputSchema, boolean enabled, Policy policy,
                 String remoteName) {
    this(name, source, description, inputSchema, enabled, policy, remoteName, false);
  }

  public static final String BUILTIN = "builtin";

  public boolean builtin() {
    return BUILTIN.equals(source);
  }

  /** The MCP server name for source "mcp:&lt;server&gt;", else null. */
  public String mcpServer() {
    return source != null && source.startsWith("mcp:") ? source.substring(4) : null;
  }

  public ToolDef withSettings(boolean enabled, Policy policy) {
    return new ToolDef(name, source, description, inputSchema, enabled, policy, remoteName, readOnly);
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("source", source).put("description", description)
        .put("inputSchema", inputSchema.copy()).put("enabled", enabled).put("policy", policy.wire())
        .put("readOnly", readOnly);
  }
}
