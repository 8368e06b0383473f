package dev.maestro.contracts.tool;

import io.vertx.core.json.JsonObject;

/**
 * An MCP tool's annotations as they travel in a tool descriptor ({@code listTools}, {@code toolsForSession}):
 * {@code "annotations": {title?, readOnlyHint?, destructiveHint?, idempotentHint?, openWorldHint?}}, copied from
 * the server. They are hints from an untrusted server: shown to people and usable for defaults (plan mode
 * offers only read-only tools), never a reason to skip a policy.
 */
public final class ToolAnnotations {
  private ToolAnnotations() {}

  public static final String FIELD = "annotations";
  public static final String READ_ONLY = "readOnlyHint";
  public static final String DESTRUCTIVE = "destructiveHint";
  public static final String IDEMPOTENT = "idempotentHint";
  public static final String OPEN_WORLD = "openWorldHint";

  /** Whether the descriptor's server says the tool does not change its environment. */
  public static boolean readOnly(JsonObject tool) {
    JsonObject a = tool == null ? null : tool.getJsonObject(FIELD);
    return a != null && Boolean.TRUE.equals(a.getValue(READ_ONLY));
  }

  /** Whether the tool may destroy things (MCP's default when not read-only and not said otherwise). */
  public static boolean destructive(JsonObject tool) {
    JsonObject a = tool == null ? null : tool.getJsonObject(FIELD);
    if (a == null || Boolean.TRUE.equals(a.getValue(READ_ONLY))) return false;
    return !Boolean.FALSE.equals(a.getValue(DESTRUCTIVE));
  }
}
