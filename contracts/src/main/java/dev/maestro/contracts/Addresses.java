package dev.maestro.contracts;

/** Every event-bus address Maestro uses, in one place. */
public final class Addresses {
  private Addresses() {}

  public static final String SESSION_SERVICE = "maestro.session.service";
  public static final String PROVIDER_SERVICE = "maestro.provider.service";
  public static final String TOOL_SERVICE = "maestro.tool.service";
  public static final String AUTH_SERVICE = "maestro.auth.service";

  /** Published by auth-service when a credential changes status: {@code {credentialId, userId, status}}. */
  public static final String CREDENTIAL_STATUS = "maestro.auth.credential-status";
  /** Published by tool-service when an MCP server changes status: {@code {serverId, name, status, error?}}. */
  public static final String MCP_STATUS = "maestro.tool.mcp-status";

  /** Services answered by a health ping, in the order /health lists them. */
  public static final String[] SERVICES = {"gateway", "session", "provider", "tool", "auth"};

  /** Request/reply: any message gets {@code {"status":"UP","service":name,"node":id}}. */
  public static String health(String service) {
    return "maestro.health." + service;
  }

  /** Session events are published here (see {@link dev.maestro.contracts.session.SessionEvents}). */
  public static String sessionEvents(String sessionId) {
    return "maestro.session." + sessionId + ".events";
  }
}
