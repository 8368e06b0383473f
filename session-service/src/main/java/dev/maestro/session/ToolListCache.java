package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 14: one live session's enabled tool schemas (and its MCP servers' instructions), asked of
 * tool-service once and kept until tool-service announces a change ({@link Addresses#TOOLS_CHANGED})
 * or the session's own tool names change, instead of copied over the bus every turn. The
 * announcement bumps one generation per Vert.x instance, heard by one consumer per node (registered
 * by the service verticle), not one per session. Lives on the session's context.
 */
final class ToolListCache {
  private static final Map<Vertx, AtomicLong> GENERATIONS = Collections.synchronizedMap(new WeakHashMap<>());

  /** Registers this node's consumer of the change announcements (on a context that lives as long as the service). */
  static MessageConsumer<JsonObject> listen(Vertx vertx) {
    AtomicLong generation = generation(vertx);
    return vertx.eventBus().consumer(Addresses.TOOLS_CHANGED, m -> generation.incrementAndGet());
  }

  static AtomicLong generation(Vertx vertx) {
    return GENERATIONS.computeIfAbsent(vertx, v -> new AtomicLong());
  }

  private final ToolService tools;
  private final String sessionId;
  private final AtomicLong generation;
  private List<JsonObject> offered;
  private List<String> offeredFor;
  private long offeredAt = -1;
  private List<JsonObject> instructions;
  private List<String> instructionsFor;
  private long instructionsAt = -1;

  ToolListCache(ToolService tools, String sessionId, AtomicLong generation) {
    this.tools = tools;
    this.sessionId = sessionId;
    this.generation = generation;
  }

  /** The tools offered to a session naming names (empty: every enabled tool); a failure is not kept. */
  Future<List<JsonObject>> tools(List<String> names) {
    // read before asking: a change announced while the answer travels makes the next turn ask again
    long g = generation.get();
    if (offered != null && offeredAt == g && names.equals(offeredFor)) return Future.succeededFuture(new ArrayList<>(offered));
    return tools.toolsForSession(sessionId, names).map(list -> {
      offered = List.copyOf(list);
      offeredFor = List.copyOf(names);
      offeredAt = g;
      return new ArrayList<>(list);
    });
  }

  /** The instructions of the MCP servers of these tools. */
  Future<List<JsonObject>> instructions(List<String> mcpTools) {
    long g = generation.get();
    if (instructions != null && instructionsAt == g && mcpTools.equals(instructionsFor)) return Future.succeededFuture(instructions);
    return tools.mcpInstructions(mcpTools).map(list -> {
      instructions = List.copyOf(list);
      instructionsFor = List.copyOf(mcpTools);
      instructionsAt = g;
      return instructions;
    });
  }
}
