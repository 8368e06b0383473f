package dev.maestro.tool.mcp;

import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundRefusedException;
import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.tool.builtin.EnvScrubber;
import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import dev.maestro.tool.registry.Policy;
import dev.maestro.tool.registry.ToolDef;
import dev.maestro.tool.registry.ToolRegistry;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * MCP servers: configuration (table tool.mcp_server), one {@link McpConnection} per enabled server
 * (connected at start and whenever its configuration changes), and their tools in the registry as
 * {@code <server>__<tool>} with source {@code mcp:<server>}. Runs on the verticle's context.
 */
public class McpManager {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(McpManager.class);
  static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9-]{1,32}$");
  static final Pattern TOOL_NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");
  static final String REDACTED = "********";

  private final Vertx vertx;
  private final Context context;
  private final McpServerStore store;
  private final ToolRegistry registry;
  private final McpSettings settings;
  private final Map<String, McpConnection> connections = new HashMap<>();
  private final McpTokens tokens;
  private final McpOAuthClients oauthClients;

  private final ElicitationBridge.Asker elicitations;
  private final McpSandbox sandbox;
  private final McpRoots roots;

  /**
   * elicitations: who answers a server's elicitation/create during a call (the session's user);
   * sandbox: how stdio servers are launched.
   */
  public McpManager(Vertx vertx, Context context, McpServerStore store, ToolRegistry registry, McpSettings settings,
                    ElicitationBridge.Asker elicitations, McpSandbox sandbox) {
    this.elicitations = elicitations;
    this.sandbox = sandbox;
    this.vertx = vertx;
    this.context = context;
    this.store = store;
    this.registry = registry;
    this.settings = settings;
    this.tokens = new McpTokens(vertx);
    this.oauthClients = new McpOAuthClients(vertx);
    for (String status : List.of(McpConnection.CONNECTED, McpConnection.CONNECTING, McpConnection.FAILED)) {
      io.micrometer.core.instrument.Gauge.builder(dev.maestro.platform.MetricNames.MCP_SERVERS, this, m -> m.countWithStatus(status))
          .description("MCP servers by status").tag("status", status).register(dev.maestro.platform.Observability.registry(vertx));
    }
    this.roots = new McpRoots(sandbox == null ? null : sandbox.dataDir());
    // a session's root moved (project worktree): every server offering it is told, on this context
    roots.listen((sessionId, root) -> context.runOnContext(v -> connections.values().forEach(c -> c.rootMoved(sessionId, root))));
  }

  /** For the gauge, read off the event loop: a map changing meanwhile gives no figure this scrape, not an error. */
  private double countWithStatus(String status) {
    try {
      return connections.values().stream().filter(c -> status.equals(c.status())).count();
    } catch (RuntimeException changedMeanwhile) {
      return Double.NaN;
    }
  }

  /**
   * The roots sessions offer MCP servers: {@code roots().set(sessionId, path)} makes a session offer another
   * directory (its project worktree) instead of its workspace.
   */
  public McpRoots roots() {
    return roots;
  }

  public Future<Void> start() {
    return store.list().map(servers -> {
      // Tools of servers that no longer exist are dropped; the rest stay listed while connecting.
      for (ToolDef t : registry.all()) {
        String server = t.mcpServer();
        if (server != null && servers.stream().noneMatch(s -> s.getString("name").equals(server))) {
          registry.removeSource(t.source());
        }
      }
      servers.forEach(this::open);
      return null;
    });
  }

  public Future<Void> stop() {
    connections.values().forEach(McpConnection::close);
    connections.clear();
    return Future.succeededFuture();
  }

  private void open(JsonObject server) {
    String id = server.getString("id");
    McpConnection old = connections.remove(id);
    if (old != null) old.close();
    if (!server.getBoolean("enabled", true)) return;
    String name = server.getString("name");
    McpConnection[] self = new McpConnection[1];
    McpConnection c = new McpConnection(vertx, context, settings, server, tokens,
        tools -> registry.replaceSource("mcp:" + name, toDefs(self[0], name, tools)),
        (status, error) -> {
          vertx.eventBus().publish(Addresses.MCP_STATUS, new JsonObject().put("serverId", id)
              .put("name", name).put("status", status).put("error", error));
          // the public envelope carries no error text (it may name a URL or a token): see BUS.md
          IntegrationEvents.publish(vertx.eventBus(), IntegrationEvents.mcpStatus(id, name, status));
        }, sandbox);
    self[0] = c;
    c.elicitation().asker(elicitations);
    c.onProtocolVersion(v -> store.protocolVersion(id, v).onFailure(err ->
        LOG.warn("MCP server {}: storing its protocol version failed: {}", name, err.getMessage())));
    c.onCatalog((kind, uri) -> vertx.eventBus().publish(Addresses.MCP_CATALOG, new JsonObject().put("serverId", id)
        .put("name", name).put("kind", kind).put("uri", uri)));
    connections.put(id, c);
    c.connect();
  }

  private List<ToolDef> toDefs(McpConnection c, String server, List<McpSchema.Tool> tools) {
    List<ToolDef> defs = new ArrayList<>();
    for (McpSchema.Tool t : tools) {
      String exposed = exposedName(server, t.name());
      boolean readOnly = t.annotations() != null && Boolean.TRUE.equals(t.annotations().readOnlyHint());
      String description = t.description() != null ? t.description() : t.title() != null ? t.title() : "";
      defs.add(new ToolDef(exposed, "mcp:" + server, description, c.schemaJson(t), true,
          readOnly ? Policy.ALLOW : Policy.ASK, t.name(), c.annotationsJson(t)));
    }
    return defs;
  }

  /** server__tool, with characters providers refuse replaced by '_' and cut to 64 characters. */
  static String exposedName(String server, String tool) {
    String n = (server + "__" + tool).replaceAll("[^a-zA-Z0-9_-]", "_");
    return n.length() > 64 ? n.substring(0, 64) : n;
  }

  public Future<ToolResult> call(ToolDef tool, JsonObject args, CallContext ctx) {
    String server = tool.mcpServer();
    McpConnection c = connections.values().stream().filter(x -> x.name().equals(server)).findFirst().orElse(null);
    if (c == null) return Future.succeededFuture(ToolResult.error("MCP server '" + server + "' is not configured or is disabled"));
    // the session's root is announced (list_changed sent) before its call goes out
    return c.offerRoot(ctx.sessionId(), roots.of(ctx.sessionId()))
        .compose(v -> c.call(tool.remoteName() != null ? tool.remoteName() : tool.name(), args, ctx));
  }

  public Future<List<JsonObject>> list() {
    return store.list().map(list -> list.stream().map(this::view).toList());
  }

  public Future<JsonObject> get(String id) {
    return find(id).map(this::view);
  }

  private Future<JsonObject> find(String id) {
    return store.get(id).compose(s -> s == null
        ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no MCP server with id '" + id + "'")
        : Future.succeededFuture(s));
  }

  public Future<JsonObject> create(JsonObject input) {
    JsonObject server = new JsonObject().put("id", UUID.randomUUID().toString()).put("enabled", true)
        .put("args", new JsonArray()).put("env", new JsonObject()).put("headers", new JsonObject())
        .put("network", false).put("mounts", new JsonArray());
    JsonObject in = input == null ? new JsonObject() : input;
    return apply(server, in, null)
        .compose(s -> saveOAuthClient(s, in))
        .compose(s -> store.insert(s).recover(this::conflict).map(v -> s))
        .map(s -> {
          open(s);
          return view(s);
        });
  }

  public Future<JsonObject> update(String id, JsonObject patch) {
    JsonObject in = patch == null ? new JsonObject() : patch;
    return find(id).compose(existing -> apply(existing.copy(), in, existing)
        .compose(s -> saveOAuthClient(s, in))
        .map(s -> {
          if (!samePlace(existing, s)) s.remove("protocolVersion");   // as the store does: probed afresh
          return s;
        })
        .compose(s -> store.update(s).recover(this::conflict).compose(v -> {
          Future<Void> f = Future.succeededFuture();
          if (!existing.getString("name").equals(s.getString("name"))) f = registry.removeSource("mcp:" + existing.getString("name"));
          if (!s.getBoolean("enabled", true)) f = f.compose(v2 -> registry.removeSource("mcp:" + s.getString("name")));
          return f;
        }).map(v -> {
          open(s);
          return view(s);
        })));
  }

  /** Same program or address: the revision it spoke still holds. */
  static boolean samePlace(JsonObject a, JsonObject b) {
    return java.util.Objects.equals(a.getString("transport"), b.getString("transport"))
        && java.util.Objects.equals(a.getString("command"), b.getString("command"))
        && java.util.Objects.equals(a.getJsonArray("args"), b.getJsonArray("args"))
        && java.util.Objects.equals(a.getString("url"), b.getString("url"));
  }

  public Future<Void> delete(String id) {
    return find(id).compose(s -> {
      McpConnection c = connections.remove(id);
      if (c != null) c.close();
      // The pre-registered OAuth client goes with the server (auth-service keeps nothing for a deleted id).
      Future<Void> client = s.getJsonObject("oauthClient") == null ? Future.succeededFuture() : oauthClients.remove(id);
      return client.compose(x -> store.delete(id)).compose(v -> registry.removeSource("mcp:" + s.getString("name")));
    });
  }

  /** A create/patch with {@code oauthClient}: the client goes to auth-service first; the server keeps its view. */
  private Future<JsonObject> saveOAuthClient(JsonObject server, JsonObject input) {
    if (!"http".equals(server.getString("transport")) && server.getJsonObject("oauthClient") != null) {
      // Switched to stdio: the client (and its secret) has no use any more and is not kept.
      return oauthClients.save(server.getString("id"), null).map(kept -> {
        server.remove("oauthClient");
        return server;
      });
    }
    if (!input.containsKey("oauthClient")) return Future.succeededFuture(server);
    return oauthClients.save(server.getString("id"), input.getJsonObject("oauthClient")).map(kept -> {
      if (kept == null) server.remove("oauthClient");
      else server.put("oauthClient", kept);
      return server;
    });
  }

  public Future<JsonObject> restart(String id) {
    return find(id).map(s -> {
      McpConnection c = connections.get(id);
      if (c != null) c.connect();
      else open(s);
      return view(s);
    });
  }

  private <T> Future<T> conflict(Throwable err) {
    if (err instanceof io.vertx.pgclient.PgException pe && "23505".equals(pe.getSqlState())) {
      return ServiceException.fail(ErrorCodes.CONFLICT, "an MCP server with that name already exists",
          new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("field", "name").put("message", "already used"))));
    }
    return Future.failedFuture(err);
  }

  /** The API view: live status, secrets in env/headers redacted. */
  private JsonObject view(JsonObject s) {
    JsonObject v = new JsonObject().put("id", s.getString("id")).put("name", s.getString("name"))
        .put("transport", s.getString("transport")).put("enabled", s.getBoolean("enabled", true));
    if ("stdio".equals(s.getString("transport"))) {
      v.put("command", s.getString("command")).put("args", s.getJsonArray("args", new JsonArray()).copy())
          .put("env", redact(s.getJsonObject("env", new JsonObject())))
          .put("network", s.getBoolean("network", false)).put("mounts", s.getJsonArray("mounts", new JsonArray()).copy());
    } else {
      v.put("url", s.getString("url")).put("headers", redact(s.getJsonObject("headers", new JsonObject())));
      if (s.getJsonObject("oauthClient") != null) v.put("oauthClient", McpOAuthClients.view(s.getJsonObject("oauthClient")));
    }
    McpConnection c = connections.get(s.getString("id"));
    if (c == null) {
      v.put("status", McpConnection.FAILED).put("error", "server is disabled");
      if (s.getString("protocolVersion") != null) v.put("protocolVersion", s.getString("protocolVersion"));   // when last connected
    } else {
      v.put("status", c.status());
      if (c.error() != null) v.put("error", c.error());
      // what goes into system prompts, shown so people know what the server tells their models
      if (c.instructions() != null) v.put("instructions", c.instructions());
      // the MCP revision this server speaks with us (negotiated per server in initialize)
      if (c.protocolVersion() != null) v.put("protocolVersion", c.protocolVersion());
      else if (s.getString("protocolVersion") != null) v.put("protocolVersion", s.getString("protocolVersion"));   // when last connected
      if (c.authChallenge() != null) {
        // The UI offers "sign in" (auth-service startMcpOAuth takes this challenge as wwwAuthenticate).
        v.put("authRequired", true).put("wwwAuthenticate", c.authChallenge());
      }
    }
    return v;
  }

  private static JsonObject redact(JsonObject map) {
    JsonObject out = new JsonObject();
    map.forEach(e -> out.put(e.getKey(), EnvScrubber.sensitive(e.getKey()) ? REDACTED : e.getValue()));
    return out;
  }

  /** Validates {@code patch} and applies it to {@code server}; redacted values keep the stored secret. */
  private Future<JsonObject> apply(JsonObject server, JsonObject patch, JsonObject existing) {
    JsonArray errors = new JsonArray();
    for (String key : patch.fieldNames()) {
      Object v = patch.getValue(key);
      switch (key) {
        case "name" -> {
          if (v instanceof String s && NAME.matcher(s).matches()) server.put("name", s);
          else errors.add(err("name", "1-32 letters, digits or '-'"));
        }
        case "transport" -> {
          if ("stdio".equals(v) || "http".equals(v)) server.put("transport", v);
          else errors.add(err("transport", "must be stdio or http"));
        }
        case "command" -> {
          if (v instanceof String s && !s.isBlank()) server.put("command", s);
          else errors.add(err("command", "must be a non-empty string"));
        }
        case "args" -> {
          if (v instanceof JsonArray a && a.stream().allMatch(x -> x instanceof String)) server.put("args", a.copy());
          else errors.add(err("args", "must be an array of strings"));
        }
        case "env", "headers" -> {
          if (v instanceof JsonObject o && o.stream().allMatch(e -> e.getValue() instanceof String)) {
            JsonObject merged = new JsonObject();
            JsonObject old = existing == null ? new JsonObject() : existing.getJsonObject(key, new JsonObject());
            o.forEach(e -> merged.put(e.getKey(), REDACTED.equals(e.getValue()) && old.containsKey(e.getKey())
                ? old.getValue(e.getKey()) : e.getValue()));
            server.put(key, merged);
          } else {
            errors.add(err(key, "must be an object of string values"));
          }
        }
        case "url" -> {
          if (v instanceof String s && validUrl(s)) server.put("url", s);
          else errors.add(err("url", "must be an absolute http(s) URL"));
        }
        case "enabled" -> {
          if (v instanceof Boolean b) server.put("enabled", b);
          else errors.add(err("enabled", "must be true or false"));
        }
        case "network" -> {   // stdio only: the host's network inside the sandbox (default none)
          if (v instanceof Boolean b) server.put("network", b);
          else errors.add(err("network", "must be true or false"));
        }
        case "mounts" -> {    // stdio only: host paths the sandboxed server sees
          String problem = sandbox == null ? null : sandbox.checkMounts(v);
          if (problem == null && v instanceof JsonArray a) server.put("mounts", a.copy());
          else errors.add(err("mounts", problem != null ? problem : "must be an array of strings"));
        }
        case "oauthClient" -> McpOAuthClients.validate(v, errors);   // stored by saveOAuthClient
        case "id", "status", "error" -> { /* read-only, ignored */ }
        default -> errors.add(err(key, "unknown field"));
      }
    }
    if (server.getString("name") == null && errors.stream().noneMatch(e -> "name".equals(((JsonObject) e).getString("field")))) {
      errors.add(err("name", "is required"));
    }
    String transport = server.getString("transport");
    if (transport == null) {
      if (errors.stream().noneMatch(e -> "transport".equals(((JsonObject) e).getString("field")))) errors.add(err("transport", "is required"));
    } else if (transport.equals("stdio") && server.getString("command") == null) {
      errors.add(err("command", "is required for stdio servers"));
    } else if (transport.equals("http") && server.getString("url") == null) {
      errors.add(err("url", "is required for http servers"));
    }
    if (patch.getValue("oauthClient") != null && !"http".equals(transport)) {
      errors.add(err("oauthClient", "only http servers use OAuth"));
    }
    if (!errors.isEmpty()) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "invalid MCP server", new JsonObject().put("errors", errors));
    }
    if (transport.equals("stdio")) server.remove("url");
    else server.remove("command");
    return transport.equals("http") ? urlAllowed(server.getString("url")).map(v -> server) : Future.succeededFuture(server);
  }

  /**
   * Link-local, metadata and unlisted private addresses are refused when the server is saved (400 on
   * the url field); a name that does not resolve yet is accepted, the connection checks again.
   */
  private Future<Void> urlAllowed(String url) {
    return new OutboundHttp(vertx, settings.outbound()).check(url).<Void>mapEmpty().recover(err -> {
      if (err instanceof OutboundRefusedException r && r.rule() != OutboundRefusedException.Rule.UNRESOLVED) {
        return ServiceException.fail(ErrorCodes.BAD_REQUEST, "invalid MCP server: url " + r.getMessage(), new JsonObject()
            .put("errors", new JsonArray().add(err("url", r.getMessage()))));
      }
      return Future.succeededFuture();
    });
  }

  private static boolean validUrl(String s) {
    try {
      URI u = URI.create(s);
      return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static JsonObject err(String field, String message) {
    return new JsonObject().put("field", field).put("message", message);
  }

  /**
   * Resources of one server ({@code serverId}) or of every connected server (null): each item
   * {serverId, server, uri, name, title?, description?, mimeType?}. A server that is down is left out of "every".
   */
  public Future<List<JsonObject>> resources(String serverId) {
    return across(serverId, McpConnection::resources);
  }

  /** Prompts of one server or of every connected one: {serverId, server, name, title?, description?, arguments}. */
  public Future<List<JsonObject>> prompts(String serverId) {
    return across(serverId, McpConnection::prompts);
  }

  /** {serverId, server, uri, mimeType?, text, truncated}; sessionId (may be null): whose use offers its root. */
  public Future<JsonObject> readResource(String serverId, String uri, String sessionId) {
    if (uri == null || uri.isBlank() || uri.length() > 2000) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "invalid resource uri", new JsonObject().put("errors",
          new JsonArray().add(err("uri", "must be 1-2000 characters"))));
    }
    return connection(serverId).compose(c -> {
      if (sessionId != null) c.offerRoot(sessionId, roots.of(sessionId));
      return c.readResource(uri).map(r -> r.put("serverId", serverId).put("server", c.name()));
    });
  }

  /** prompts/get → {serverId, server, name, description?, messages, text}; missing required arguments: 400. */
  public Future<JsonObject> prompt(String serverId, String name, JsonObject arguments, String sessionId) {
    JsonObject args = arguments == null ? new JsonObject() : arguments;
    if (name == null || name.isBlank() || args.stream().anyMatch(e -> !(e.getValue() instanceof String))) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "invalid prompt request", new JsonObject().put("errors",
          new JsonArray().add(err("arguments", "must be an object of string values"))));
    }
    return connection(serverId).compose(c -> {
      if (sessionId != null) c.offerRoot(sessionId, roots.of(sessionId));
      return c.prompt(name, args.getMap()).map(r -> r.put("serverId", serverId).put("server", c.name()));
    });
  }

  /**
   * {server, instructions} of each connected server that gave instructions and has one of {@code toolNames}
   * among its tools (all servers with instructions when toolNames is empty).
   */
  public List<JsonObject> instructions(java.util.Collection<String> toolNames) {
    List<JsonObject> out = new ArrayList<>();
    for (McpConnection c : connections.values()) {
      if (c.instructions() == null || !McpConnection.CONNECTED.equals(c.status())) continue;
      boolean used = toolNames == null || toolNames.isEmpty() || registry.all().stream()
          .anyMatch(t -> c.name().equals(t.mcpServer()) && t.enabled() && toolNames.contains(t.name()));
      if (used) out.add(new JsonObject().put("server", c.name()).put("instructions", c.instructions()));
    }
    out.sort(java.util.Comparator.comparing(j -> j.getString("server")));
    return out;
  }

  private Future<McpConnection> connection(String serverId) {
    return find(serverId).compose(s -> {
      McpConnection c = connections.get(serverId);
      return c == null ? ServiceException.fail(ErrorCodes.UNAVAILABLE, "MCP server '" + s.getString("name") + "' is disabled")
          : Future.succeededFuture(c);
    });
  }

  private Future<List<JsonObject>> across(String serverId, java.util.function.Function<McpConnection, Future<List<JsonObject>>> op) {
    if (serverId != null) {
      return connection(serverId).compose(c -> op.apply(c).map(l -> tagged(serverId, c, l)));
    }
    List<Future<List<JsonObject>>> each = new ArrayList<>();
    connections.forEach((id, c) -> {
      if (McpConnection.CONNECTED.equals(c.status())) each.add(op.apply(c).map(l -> tagged(id, c, l)).otherwise(List.of()));
    });
    return Future.all(each).map(all -> {
      List<JsonObject> out = new ArrayList<>();
      each.forEach(f -> out.addAll(f.result()));
      out.sort(java.util.Comparator.comparing((JsonObject j) -> j.getString("server")));
      return out;
    });
  }

  private static List<JsonObject> tagged(String serverId, McpConnection c, List<JsonObject> items) {
    return items.stream().map(j -> j.copy().put("serverId", serverId).put("server", c.name())).toList();
  }

  /** For tests: status by server name. */
  public Map<String, String> statuses() {
    Map<String, String> m = new LinkedHashMap<>();
    connections.values().forEach(c -> m.put(c.name(), c.status()));
    return m;
  }
}
