package dev.maestro.tool.registry;

import io.vertx.core.json.JsonObject;

/**
 * One registered tool. {@code remoteName} is the name the MCP server knows it by (null for built-ins):
 * exposed names are namespaced and sanitised, so the original must be kept. {@code annotations}: an MCP
 * tool's hints as its server sent them (see {@link dev.maestro.contracts.tool.ToolAnnotations}), or null.
 */
public record ToolDef(String name, String source, String description, JsonObject inputSchema,
                      boolean enabled, Policy policy, String remoteName, JsonObject annotations) {

  public ToolDef(String name, String source, String description, JsonObject inputSchema,
                 boolean enabled, Policy policy, String remoteName) {
    this(name, source, description, inputSchema, enabled, policy, remoteName, null);
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
    return new ToolDef(name, source, description, inputSchema, enabled, policy, remoteName, annotations);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("name", name).put("source", source).put("description", description)
        .put("inputSchema", inputSchema.copy()).put("enabled", enabled).put("policy", policy.wire());
    if (annotations != null) j.put(dev.maestro.contracts.tool.ToolAnnotations.FIELD, annotations.copy());
    return j;
  }
}
