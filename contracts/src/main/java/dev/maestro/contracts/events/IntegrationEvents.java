package dev.maestro.contracts.events;

import dev.maestro.contracts.Addresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The public lifecycle events on {@link Addresses#EVENTS}, documented in BUS.md. Every event is one
 * envelope {@code {"type","version","id","time","userId","sessionId"?,"data":{...}}}; the builders
 * here are the only way services make one, so the shape cannot differ between publishers, and
 * {@link #problem} is the check tests (and integrators) run against the documented shape.
 *
 * <p>What an event never carries: message text, tool arguments or results, credential secrets or
 * labels, MCP server commands, URLs or error text. An integrator that needs more asks the owning
 * service (with the ids given) or subscribes to the session's own stream.
 */
public final class IntegrationEvents {
  private IntegrationEvents() {}

  /** Bumped only for a change an integrator must act on (a field removed or its meaning changed); see BUS.md. */
  public static final int VERSION = 1;

  public static final String SESSION_CREATED = "session.created";
  public static final String SESSION_DELETED = "session.deleted";
  public static final String TURN_STARTED = "turn.started";
  public static final String TURN_COMPLETED = "turn.completed";
  public static final String APPROVAL_REQUIRED = "approval.required";
  public static final String APPROVAL_ANSWERED = "approval.answered";
  public static final String CREDENTIAL_STATUS = "credential.status";
  public static final String MCP_STATUS = "mcp.status";

  /** Envelope fields, in the order they are written. sessionId is present exactly for session-scoped types. */
  public static final List<String> ENVELOPE = List.of("type", "version", "id", "time", "userId", "sessionId", "data");

  /** Every type → the fields of its {@code data} (all always present unless listed in {@link #OPTIONAL}). */
  public static final Map<String, List<String>> DATA;
  /** data fields that may be absent. */
  public static final Set<String> OPTIONAL = Set.of("turnId");
  /** Types that concern one session (they carry sessionId). */
  public static final Set<String> SESSION_SCOPED = Set.of(SESSION_CREATED, SESSION_DELETED, TURN_STARTED, TURN_COMPLETED,
      APPROVAL_REQUIRED, APPROVAL_ANSWERED);
  /** Types that concern no single user (userId is null). */
  public static final Set<String> SYSTEM_WIDE = Set.of(MCP_STATUS);

  static {
    Map<String, List<String>> d = new LinkedHashMap<>();
    d.put(SESSION_CREATED, List.of("provider", "model"));
    d.put(SESSION_DELETED, List.of());
    d.put(TURN_STARTED, List.of("turnId"));
    d.put(TURN_COMPLETED, List.of("turnId", "status", "usage"));
    d.put(APPROVAL_REQUIRED, List.of("turnId", "callId", "tool"));
    d.put(APPROVAL_ANSWERED, List.of("callId", "decision"));
    d.put(CREDENTIAL_STATUS, List.of("credentialId", "status"));
    d.put(MCP_STATUS, List.of("serverId", "name", "status"));
    DATA = java.util.Collections.unmodifiableMap(d);
  }

  /** usage of turn.completed: the sum over the turn's assistant messages; costUsd only when the session priced them. */
  public static final List<String> USAGE = List.of("inputTokens", "outputTokens", "costUsd");

  // ------------------------------------------------------------------ builders

  public static JsonObject sessionCreated(String userId, String sessionId, String provider, String model) {
    return envelope(SESSION_CREATED, userId, sessionId, new JsonObject().put("provider", provider).put("model", model));
  }

  public static JsonObject sessionDeleted(String userId, String sessionId) {
    return envelope(SESSION_DELETED, userId, sessionId, new JsonObject());
  }

  public static JsonObject turnStarted(String userId, String sessionId, String turnId) {
    return envelope(TURN_STARTED, userId, sessionId, new JsonObject().put("turnId", turnId));
  }

  /** status: complete | cancelled | error | interrupted (the session event turn_completed's). */
  public static JsonObject turnCompleted(String userId, String sessionId, String turnId, String status,
                                         long inputTokens, long outputTokens, Double costUsd) {
    JsonObject usage = new JsonObject().put("inputTokens", inputTokens).put("outputTokens", outputTokens);
    if (costUsd != null) usage.put("costUsd", costUsd);
    return envelope(TURN_COMPLETED, userId, sessionId, new JsonObject().put("turnId", turnId).put("status", status)
        .put("usage", usage));
  }

  /** tool: the tool's name; the arguments are not carried (they may hold anything the model wrote). */
  public static JsonObject approvalRequired(String userId, String sessionId, String turnId, String callId, String tool) {
    JsonObject data = new JsonObject();
    if (turnId != null) data.put("turnId", turnId);
    return envelope(APPROVAL_REQUIRED, userId, sessionId, data.put("callId", callId).put("tool", tool));
  }

  /** decision: allow | deny. */
  public static JsonObject approvalAnswered(String userId, String sessionId, String callId, String decision) {
    return envelope(APPROVAL_ANSWERED, userId, sessionId, new JsonObject().put("callId", callId).put("decision", decision));
  }

  /** status: active | refreshing | needs_reauth | invalid. */
  public static JsonObject credentialStatus(String userId, String credentialId, String status) {
    return envelope(CREDENTIAL_STATUS, userId, null, new JsonObject().put("credentialId", credentialId).put("status", status));
  }

  /** status: connecting | connected | failed; MCP servers are shared, so userId is null. */
  public static JsonObject mcpStatus(String serverId, String name, String status) {
    return envelope(MCP_STATUS, null, null, new JsonObject().put("serverId", serverId).put("name", name).put("status", status));
  }

  static JsonObject envelope(String type, String userId, String sessionId, JsonObject data) {
    JsonObject e = new JsonObject().put("type", type).put("version", VERSION).put("id", UUID.randomUUID().toString())
        .put("time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()).put("userId", userId);
    if (sessionId != null) e.put("sessionId", sessionId);
    return e.put("data", data);
  }

  /** Publishes an envelope to every listener in the cluster; never fails the caller (nobody may be listening). */
  public static void publish(EventBus bus, JsonObject envelope) {
    bus.publish(Addresses.EVENTS, envelope);
  }

  // ------------------------------------------------------------------ the documented shape

  /** What is wrong with an envelope against the documented shape, or null when nothing is. */
  public static String problem(JsonObject e) {
    List<String> problems = new ArrayList<>();
    String type = e.getString("type");
    if (!DATA.containsKey(type)) return "unknown type " + type;
    for (String k : e.fieldNames()) if (!ENVELOPE.contains(k)) problems.add("unexpected field " + k);
    if (!Integer.valueOf(VERSION).equals(e.getInteger("version"))) problems.add("version is not " + VERSION);
    if (!(e.getValue("id") instanceof String id) || id.length() != 36) problems.add("id is not a UUID");
    try {
      Instant.parse(e.getString("time"));
    } catch (RuntimeException x) {
      problems.add("time is not RFC 3339");
    }
    if (!e.containsKey("userId")) problems.add("userId missing");
    else if (SYSTEM_WIDE.contains(type) != (e.getValue("userId") == null)) problems.add("userId must be " + (SYSTEM_WIDE.contains(type) ? "null" : "set"));
    if (SESSION_SCOPED.contains(type) != (e.getValue("sessionId") instanceof String)) problems.add("sessionId must be " + (SESSION_SCOPED.contains(type) ? "set" : "absent"));
    if (!(e.getValue("data") instanceof JsonObject data)) {
      problems.add("data is not an object");
    } else {
      List<String> fields = DATA.get(type);
      for (String k : data.fieldNames()) if (!fields.contains(k)) problems.add("data has an undocumented field " + k);
      for (String k : fields) if (!OPTIONAL.contains(k) && data.getValue(k) == null) problems.add("data." + k + " missing");
      if (data.getValue("usage") instanceof JsonObject usage) {
        for (String k : usage.fieldNames()) if (!USAGE.contains(k)) problems.add("usage has an undocumented field " + k);
        if (!(usage.getValue("inputTokens") instanceof Number) || !(usage.getValue("outputTokens") instanceof Number)) problems.add("usage tokens missing");
      }
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }
}
