package dev.maestro.tool.registry;

import dev.maestro.contracts.tool.ToolAnnotations;
import io.vertx.core.json.JsonObject;

/**
 * One registered tool. {@code remoteName} is the name the MCP server knows it by (null for built-ins):
 * exposed names are namespaced and sanitised, so the original must be kept. {@code annotations}: an MCP
 * tool's hints as its server sent them (see {@link ToolAnnotations}), or null.
 * {@code readOnly}: the tool changes nothing (built-in reads and listings, MCP tools annotated
 * readOnlyHint); the only tools a session in plan mode runs.
 */
public record ToolDef(String name, String source, String description, JsonObject inputSchema,
                      boolean enabled, Policy policy, String remoteName, boolean readOnly, JsonObject annotations) {

  public ToolDef(String name, String source, String description, JsonObject inputSchema, boolean enabled, Policy policy,
                 String remoteName) {
    this(name, source, description, inputSchema, enabled, policy, remoteName, false, null);
  }

  /** A built-in tool: read-only or not by its name. */
  public ToolDef(String name, String source, String description, JsonObject inputSchema, boolean enabled, Policy policy,
                 String remoteName, boolean readOnly) {
    this(name, source, description, inputSchema, enabled, policy, remoteName, readOnly, null);
  }

  /** An MCP tool: read-only when its server's annotations say so (stored with the tool, so known after a restart). */
  public ToolDef(String name, String source, String description, JsonObject inputSchema, boolean enabled, Policy policy,
                 String remoteName, JsonObject annotations) {
    this(name, source, description, inputSchema, enabled, policy, remoteName,
        annotations != null && ToolAnnotations.readOnly(new JsonObject().put(ToolAnnotations.FIELD, annotations)), annotations);
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
    return new ToolDef(name, source, description, inputSchema, enabled, policy, remoteName, readOnly, annotations);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("name", name).put("source", source).put("description", description)
        .put("inputSchema", inputSchema.copy()).put("enabled", enabled).put("policy", policy.wire())
        .put("readOnly", readOnly);
    if (annotations != null) j.put(ToolAnnotations.FIELD, annotations.copy());
    return j;
  }
}
