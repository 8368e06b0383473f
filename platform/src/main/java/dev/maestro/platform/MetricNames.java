package dev.maestro.platform;

import java.util.List;
import java.util.Map;

/**
 * Every metric Maestro records itself, by its Micrometer name (Prometheus shows it with dots as
 * underscores and a unit suffix: {@code maestro.turns.started} is scraped as {@code maestro_turns_started_total}),
 * and which service records it. The Vert.x and JVM binders add {@code vertx_eventbus_*}, {@code jvm_*}
 * and {@code jvm_gc_*} in every service. README "Metrics and traces" lists them with their labels.
 */
public final class MetricNames {
  private MetricNames() {}

  /** session: a turn began (counter). */
  public static final String TURNS_STARTED = "maestro.turns.started";
  /** session: a turn ended, label {@code status} (complete, cancelled, error, …) (counter). */
  public static final String TURNS_COMPLETED = "maestro.turns.completed";
  /** session: from the turn's start to its first streamed output: text, thinking or a tool call (timer). */
  public static final String TIME_TO_FIRST_TOKEN = "maestro.turn.first.token";
  /** session: sessions live on this node (gauge). */
  public static final String LIVE_SESSIONS = "maestro.sessions.live";
  /** session: turn starts and activations waiting for admission ahead of the database, label {@code work} (gauge; Admission). */
  public static final String ADMISSION_QUEUED = "maestro.admission.queued";
  /** session: admitted turn starts and activations running, label {@code work} (gauge). */
  public static final String ADMISSION_IN_FLIGHT = "maestro.admission.in.flight";
  /** session: work refused by admission, labels {@code work} and {@code reason} (full, waited) (counter). */
  public static final String ADMISSION_REFUSED = "maestro.admission.refused";
  /** session: reads of the cluster's session owner map (Hazelcast) by this node's router (counter). */
  public static final String OWNER_LOOKUPS = "maestro.session.owner.lookups";
  /** session: commands sent to a session's owner known from this node's owner cache, without a map read (counter). */
  public static final String OWNER_CACHE_HITS = "maestro.session.owner.cache.hits";
  /** gateway: from a session event's arrival on the bus to its frame written to a client (timer). */
  public static final String RELAY_CHUNK_LATENCY = "maestro.relay.chunk.latency";
  /** provider: provider streams that ended in an error, label {@code code} (counter). */
  public static final String PROVIDER_ERRORS = "maestro.provider.errors";
  /** tool: a tool call from start to result, label {@code tool} (timer). */
  public static final String TOOL_CALL_DURATION = "maestro.tool.call.duration";
  /** tool: MCP servers by label {@code status} (gauge). */
  public static final String MCP_SERVERS = "maestro.mcp.servers";
  /** auth: OAuth credential refreshes attempted (counter). */
  public static final String CREDENTIAL_REFRESHES = "maestro.credential.refreshes";
  /** auth: OAuth credential refreshes that failed (counter). */
  public static final String CREDENTIAL_REFRESH_FAILURES = "maestro.credential.refresh.failures";

  /** As scraped: the names each service's /metrics shows from its start (tests check these). */
  public static final Map<String, List<String>> SCRAPED_BY_SERVICE = Map.of(
      "gateway", List.of("maestro_relay_chunk_latency_seconds"),
      "session", List.of("maestro_turns_started_total", "maestro_turns_completed_total", "maestro_turn_first_token_seconds",
          "maestro_sessions_live", "maestro_admission_queued", "maestro_admission_in_flight", "maestro_admission_refused_total"),
      "provider", List.of("maestro_provider_errors_total"),
      "tool", List.of("maestro_tool_call_duration_seconds", "maestro_mcp_servers"),
      "auth", List.of("maestro_credential_refreshes_total", "maestro_credential_refresh_failures_total"));

  /** As scraped: what the Vert.x and JVM binders give every service. */
  public static final List<String> SCRAPED_EVERYWHERE = List.of("vertx_eventbus_handlers", "jvm_memory_used_bytes",
      "jvm_gc_live_data_size_bytes", "jvm_threads_live_threads");
}
