package dev.maestro.gateway.ws;

import dev.maestro.contracts.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Tells open sockets that the MCP catalog changed (issue 19), so a page's resource picker, {@code @} completion
 * and {@code /server:prompt} list, and the TUI's, are re-read without a reload. From tool-service's
 * {@link Addresses#MCP_CATALOG} ({@code resources_changed}, {@code prompts_changed}) and
 * {@link Addresses#TOOLS_CHANGED} for an MCP source (a server connected, rediscovered or removed: its resources and
 * prompts appear or go), a socket gets {@code {"type":"mcp_catalog","kind","server","serverId"?}} and nothing else
 * of the bus message (no URI, no error text). {@code resource_updated} is not relayed: the lists show names, and an
 * attached resource is read when the message is sent.
 *
 * <p>Who gets it: MCP servers are admin-configured and shared, and every signed-in user may list them and their
 * resources and prompts ({@code listMcpServers}, {@code listMcpResources}, {@code listMcpPrompts}), so every open
 * socket. A bus message carrying {@code userId} (a server visible to that user only) goes to that user's sockets
 * only: another member never learns its name.
 *
 * <p>A server announcing changes in a burst must not make every client re-read its lists as often: changes are
 * gathered for {@link #COALESCE_MS} and each (kind, server, user) goes out once. Runs on the gateway's context.
 */
final class CatalogRelay {
  static final long COALESCE_MS = 200;
  static final String FRAME = "mcp_catalog";

  private final Vertx vertx;
  private final Supplier<Collection<WsConnection>> sockets;
  /** key → {frame, userId (null: everyone)} waiting for the flush. */
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private long timer = -1;

  private record Pending(JsonObject frame, String userId) { }

  CatalogRelay(Vertx vertx, Supplier<Collection<WsConnection>> sockets) {
    this.vertx = vertx;
    this.sockets = sockets;
  }

  Future<Void> start() {
    MessageConsumer<JsonObject> catalog = vertx.eventBus().consumer(Addresses.MCP_CATALOG, m -> offer(fromCatalog(m.body()), m.body()));
    MessageConsumer<JsonObject> tools = vertx.eventBus().consumer(Addresses.TOOLS_CHANGED, m -> offer(fromToolsChanged(m.body()), m.body()));
    consumers.add(catalog);
    consumers.add(tools);
    return Future.all(catalog.completion(), tools.completion()).mapEmpty();
  }

  Future<Void> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    timer = -1;
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  /** The socket frame for an MCP_CATALOG message; null for what is not relayed. */
  static JsonObject fromCatalog(JsonObject m) {
    if (m == null) return null;
    String kind = m.getValue("kind") instanceof String k ? k : null;
    String server = m.getValue("name") instanceof String n ? n : null;
    if (server == null || !("resources_changed".equals(kind) || "prompts_changed".equals(kind))) return null;
    JsonObject f = new JsonObject().put("type", FRAME).put("kind", kind).put("server", server);
    if (m.getValue("serverId") instanceof String id) f.put("serverId", id);
    return f;
  }

  /** The socket frame for a TOOLS_CHANGED message of an MCP source ({@code mcp:<server>}); null otherwise. */
  static JsonObject fromToolsChanged(JsonObject m) {
    if (m == null || !(m.getValue("source") instanceof String source) || !source.startsWith("mcp:")) return null;
    String reason = m.getValue("reason") instanceof String r ? r : "";
    if (!"source_changed".equals(reason) && !"source_removed".equals(reason)) return null;
    return new JsonObject().put("type", FRAME).put("kind", "server_changed").put("server", source.substring(4));
  }

  private void offer(JsonObject frame, JsonObject message) {
    if (frame == null) return;
    String userId = message.getValue("userId") instanceof String u ? u : null;
    pending.putIfAbsent(frame.getString("kind") + "\u0000" + frame.getString("server") + "\u0000" + userId, new Pending(frame, userId));
    if (timer < 0) timer = vertx.setTimer(COALESCE_MS, t -> flush());
  }

  private void flush() {
    timer = -1;
    List<Pending> out = new ArrayList<>(pending.values());
    pending.clear();
    for (WsConnection c : new ArrayList<>(sockets.get())) {
      for (Pending p : out) {
        if (p.userId() == null || p.userId().equals(c.principal.userId())) c.send(p.frame());
      }
    }
  }
}
