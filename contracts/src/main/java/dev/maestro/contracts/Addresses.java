package dev.maestro.contracts;

/**
 * Every event-bus address Maestro uses, in one place (and the one cluster-wide map name). No main
 * code writes a {@code "maestro."} address literal anywhere else; {@code AddressesTest} checks that.
 */
public final class Addresses {
  private Addresses() {}

  public static final String SESSION_SERVICE = "maestro.session.service";
  public static final String PROVIDER_SERVICE = "maestro.provider.service";
  public static final String TOOL_SERVICE = "maestro.tool.service";
  public static final String AUTH_SERVICE = "maestro.auth.service";
  /** Budgets and usage ({@link dev.maestro.contracts.budget.BudgetService}), served by session-service. */
  public static final String BUDGET_SERVICE = "maestro.session.budget";
  /** session-service's runtime contract (issue 16): queue and steer, running now, allow for the session. */
  public static final String SESSION_RUNTIME = "maestro.session.runtime";
  /** ProjectService (projects, session worktrees, checkpoints), served by tool-service. */
  public static final String PROJECT_SERVICE = "maestro.tool.projects";

  /** Published by auth-service when a credential changes status: {@code {credentialId, userId, status}}. */
  public static final String CREDENTIAL_STATUS = "maestro.auth.credential-status";
  /**
   * Published by auth-service after a credential's usable secret changed or the credential is gone:
   * {@code {credentialId, reason}} (reason: deleted, refreshed). Holders of a cached secret drop it.
   */
  public static final String CREDENTIAL_CHANGED = "maestro.auth.credential-changed";
  /** Published by tool-service when an MCP server changes status: {@code {serverId, name, status, error?}}. */
  public static final String MCP_STATUS = "maestro.tool.mcp-status";
  /**
   * Published by tool-service when an MCP server's resources or prompts change:
   * {@code {serverId, name, kind: resources_changed|resource_updated|prompts_changed, uri?, userId?}} (its caches are
   * already invalidated when this goes out: a list or read after it sees the change). {@code userId} is set only for
   * a server one user alone may see (none today: servers are shared). The gateway relays it to open WebSockets as
   * {@code mcp_catalog} frames (to that user's only when {@code userId} is set).
   */
  public static final String MCP_CATALOG = "maestro.tool.mcp-catalog";
  /**
   * Published by tool-service after the offered tools changed (a tool enabled, disabled or its policy
   * changed; an MCP server's tool list changed, or the server was added, renamed, disabled or removed):
   * {@code {reason, source?, tool?}}. Live sessions drop their cached tool list and ask again at their
   * next turn.
   */
  public static final String TOOLS_CHANGED = "maestro.tool.tools-changed";

  /**
   * Published by a gateway instance when open sockets must close at once: {@code {tokenId}} (token
   * revoked), {@code {userId}} (user deleted or password changed) or {@code {webSession}} (browser signed out).
   */
  public static final String GATEWAY_REVOKED = "maestro.gateway.revoked";

  /**
   * Published by the gateway instance that created or deleted a webhook: {@code {created, types}} or
   * {@code {deleted}} (webhook ids). Every gateway keeps which event types some webhook takes and queues
   * no outbox row for an event none takes (issue 14); it applies these at once and reads the table again
   * on its webhook poll.
   */
  public static final String GATEWAY_WEBHOOKS_CHANGED = "maestro.gateway.webhooks-changed";

  /**
   * The public cluster-wide stream of lifecycle events for integrators (see BUS.md): one envelope per
   * event, {@code {"type","version","id","time","userId","sessionId"?,"data"}}, built by
   * {@link dev.maestro.contracts.events.IntegrationEvents} and published by the service that owns it.
   */
  public static final String EVENTS = "maestro.events";

  /**
   * Audit entries ({@link dev.maestro.contracts.audit.AuditEvents}), sent (never published) fire-and-forget:
   * one gateway's writer stores each entry once.
   */
  public static final String AUDIT = "maestro.audit";

  /**
   * Any session router that takes new sessions (point-to-point: one of them gets each request). A draining
   * node has left it and hands here the requests for sessions it no longer owns.
   */
  public static final String SESSION_ROUTERS = "maestro.session.routers";

  /** Cluster-wide AsyncMap (not an address) of session id → live owner, kept by session-service's routers. */
  public static final String SESSION_OWNERS_MAP = "maestro.session.owners";

  /** Services answered by a health ping, in the order /health lists them. */
  public static final String[] SERVICES = {"gateway", "session", "provider", "tool", "auth"};

  /** Request/reply: any message gets {@code {"status":"UP","service":name,"node":id}}. */
  public static String health(String service) {
    return "maestro.health." + service;
  }

  /**
   * Request/reply (issue 14, node inboxes): {@code {"sessionId","userId","inbox","token","afterSeq"?,"unfollow"?}}
   * registers (or renews, or ends) a lease under which the session's live owner sends each event once to
   * {@code inbox}; answered by any session node, which asks the owner without activating the session:
   * {@code {"live":false}} or {@code {"live":true,"owner","epoch","lastSeq","leaseMs","items"?}}.
   * {@code dev.maestro.platform.SessionInbox} in {@code platform} is the client.
   */
  public static final String SESSION_FOLLOW = "maestro.session.follow";

  /** Publish: a session has a new live owner {@code {"sessionId","owner","epoch"}}; its followers follow it again. */
  public static final String SESSION_ACTIVATED = "maestro.session.activated";

  /** Publish among gateways: a presence envelope of a session (bytes, header {@code sessionId}) for their sockets. */
  public static final String GATEWAY_PRESENCE = "maestro.gateway.presence";

  /** One node's inbox (issue 14): every session event followed by any part of that node arrives here, once. */
  public static String inbox(String inboxId) {
    return "maestro.inbox." + inboxId;
  }

  /**
   * Session events go here only while some member follows the session with this address as its inbox
   * (the opt-in for integrators that listen to the address, BUS.md); otherwise to followers' inboxes.
   */
  public static String sessionEvents(String sessionId) {
    return "maestro.session." + sessionId + ".events";
  }

  /** Node-local: commands to the live copy of one session (session-service). */
  public static String sessionCommand(String sessionId) {
    return "maestro.session." + sessionId + ".command";
  }

  /** Provider events for one live copy of a session; names the owner so a stale registration never splits the stream. */
  public static String sessionProviderStream(String sessionId, String ownerId) {
    return "maestro.session." + sessionId + ".provider-stream." + ownerId;
  }

  /** One session router's inbox: requests forwarded to the owner of a session. */
  public static String sessionRouter(String ownerId) {
    return "maestro.session.router." + ownerId;
  }

  /**
   * Cancellation of running provider streams, published {@code {streamId}}: every provider-service node
   * registers it once at start and stops the stream if it runs it. One consumer per node, not per stream
   * (issue 14): a per-stream consumer cost a Hazelcast subscription put and remove, each an entry event
   * to every member of the cluster, per turn.
   */
  public static final String PROVIDER_CANCEL = "maestro.provider.cancel";
}
