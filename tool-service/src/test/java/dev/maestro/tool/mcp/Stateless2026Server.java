package dev.maestro.tool.mcp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small MCP server speaking only the stateless 2026-07-28 revision over Streamable HTTP, written from
 * the spec repo (modelcontextprotocol/modelcontextprotocol @ b0f60ba):
 * docs/specification/2026-07-28/basic/transports/streamable-http.mdx (POST only, GET/DELETE 405, the
 * MCP-Protocol-Version / Mcp-Method / Mcp-Name headers checked against the body with 400 + -32020,
 * unknown methods 404 + -32601, JSON or SSE answers), basic/versioning.mdx (400 + -32022 with
 * {@code supported} for a version it does not speak), server/discover.mdx (the discover result), and the
 * Tasks extension (modelcontextprotocol/ext-tasks @ e434597, specification/draft/tasks.md: a
 * {@code resultType:"task"} answer, tasks/get with statusMessage and the final result, tasks/cancel).
 * Every request is recorded (method, headers, params) for the tests to check what the client sent.
 *
 * <p>Tools: {@code echo} (JSON answer), {@code count} (SSE answer: two notifications/progress, then the
 * result), {@code long_job} (a task completed after {@code steps} polls, each with a statusMessage),
 * {@code stuck_job} (a task that works until cancelled), {@code paint_job} (a task that asks for a color mid-way:
 * input_required with inputRequests on tasks/get, answered with tasks/update). {@link #failNextPolls} makes the next tasks/get
 * answers HTTP 503 (the server "restarting") while the task lives on. {@code ask} answers a first call with an
 * input-required result (SEP-2322: an elicitation/create and a roots/list input request, and a requestState),
 * and a second carrying inputResponses and that requestState with what it was told; {@code sample} asks for
 * sampling/createMessage (which the client does not offer) every time.
 *
 * <p>Built {@linkplain #Stateless2026Server(boolean) with listen}, it advertises tools/prompts/resources
 * {@code listChanged} and resources {@code subscribe} and takes {@code subscriptions/listen} (schema of the
 * revision, SEP-2575, as @modelcontextprotocol/conformance 0.1.x checks it): an SSE answer that starts with
 * {@code notifications/subscriptions/acknowledged} (the honoured SubscriptionFilter) and then carries only the
 * notification types asked for, each with {@code _meta["io.modelcontextprotocol/subscriptionId"]} = the request id.
 * {@link #addTool}, {@link #updateNote} and {@link #dropListens} drive it.
 */
final class Stateless2026Server {
  static final String VERSION = "2026-07-28";

  /** One request as the server saw it. */
  record Seen(String method, Map<String, String> headers, JsonObject params) {
    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final AtomicInteger failNextPolls = new AtomicInteger();
  /** The next requests refused with UnsupportedProtocolVersion (supported: 2026-07-28), as a version-switching server would. */
  final AtomicInteger refuseVersionNext = new AtomicInteger();
  /** taskId → {status, polls, steps, message}; cancelled ones stay for the test to see. */
  final Map<String, JsonObject> tasks = new ConcurrentHashMap<>();
  private HttpServer server;
  private final boolean listen;
  private volatile io.vertx.core.Context context;
  /** An open subscriptions/listen stream: its request id, filter and SSE answer. */
  record Listen(Object id, JsonObject filter, HttpServerResponse resp) { }
  final List<Listen> listens = new CopyOnWriteArrayList<>();
  /** Tools added by {@link #addTool} (after the fixed ones). */
  final List<String> addedTools = new CopyOnWriteArrayList<>();
  private volatile String note = "hello from 2026";

  Stateless2026Server() {
    this(false);
  }

  Stateless2026Server(boolean listen) {
    this.listen = listen;
  }

  /** A new tool, and notifications/tools/list_changed to the streams that asked for it. */
  void addTool(String name) {
    addedTools.add(name);
    notifyListens("toolsListChanged", null, new JsonObject().put("method", "notifications/tools/list_changed").put("params", new JsonObject()));
  }

  /** note://hello changes, and notifications/resources/updated to the streams subscribed to it. */
  void updateNote(String text) {
    note = text;
    notifyListens(null, "note://hello", new JsonObject().put("method", "notifications/resources/updated")
        .put("params", new JsonObject().put("uri", "note://hello")));
  }

  /** Every listen stream dropped abruptly (the connection closed, no response). */
  void dropListens() {
    context.runOnContext(v -> listens.forEach(l -> l.resp().reset()));
  }

  private void notifyListens(String flag, String uri, JsonObject notification) {
    context.runOnContext(v -> {
      for (Listen l : listens) {
        boolean wanted = flag != null ? l.filter().getBoolean(flag, false)
            : l.filter().getJsonArray("resourceSubscriptions", new JsonArray()).contains(uri);
        if (!wanted) continue;
        JsonObject n = notification.copy().put("jsonrpc", "2.0");
        n.getJsonObject("params").put("_meta", new JsonObject().put("io.modelcontextprotocol/subscriptionId", l.id()));
        event(l.resp(), n);
      }
    });
  }

  private void listen(HttpServerResponse resp, Object id, JsonObject params) {
    JsonObject asked = params.getJsonObject("notifications", new JsonObject());
    JsonObject honoured = new JsonObject();
    for (String f : List.of("toolsListChanged", "resourcesListChanged", "promptsListChanged")) {
      if (asked.getBoolean(f, false)) honoured.put(f, true);
    }
    if (asked.containsKey("resourceSubscriptions")) honoured.put("resourceSubscriptions", asked.getJsonArray("resourceSubscriptions"));
    Listen l = new Listen(id, honoured, resp);
    resp.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("X-Accel-Buffering", "no");
    resp.closeHandler(v -> listens.remove(l));
    resp.endHandler(v -> listens.remove(l));
    event(resp, new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/subscriptions/acknowledged")
        .put("params", new JsonObject().put("notifications", honoured)
            .put("_meta", new JsonObject().put("io.modelcontextprotocol/subscriptionId", id))));
    listens.add(l);
  }

  Future<Integer> start(Vertx vertx) {
    context = vertx.getOrCreateContext();
    server = vertx.createHttpServer().requestHandler(req -> {
      if (req.method() != io.vertx.core.http.HttpMethod.POST) {
        req.response().setStatusCode(405).end();
        return;
      }
      req.body().onSuccess(b -> handle(req, b.toString(StandardCharsets.UTF_8)));
    });
    Promise<Integer> port = Promise.promise();
    context.runOnContext(v -> server.listen(0, "127.0.0.1").map(HttpServer::actualPort).onComplete(port));
    return port.future();
  }

  Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  List<Seen> seen(String method) {
    return seen.stream().filter(s -> method.equals(s.method())).toList();
  }

  private void handle(HttpServerRequest req, String text) {
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (RuntimeException e) {
      error(req.response(), 400, null, -32700, "Parse error", null);
      return;
    }
    Object id = msg.getValue("id");
    String method = msg.getString("method");
    JsonObject params = msg.getJsonObject("params", new JsonObject());
    Map<String, String> headers = new ConcurrentHashMap<>();
    req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
    seen.add(new Seen(method, headers, params));
    if (id == null) {   // no client notifications in this revision over HTTP
      req.response().setStatusCode(202).end();
      return;
    }
    JsonObject meta = params.getJsonObject("_meta", new JsonObject());
    String version = meta.getString("io.modelcontextprotocol/protocolVersion");
    String header = req.getHeader("MCP-Protocol-Version");
    if ("initialize".equals(method) && version == null) {
      error(req.response(), 400, id, -32022, "This server speaks only MCP " + VERSION + " (no initialize)",
          new JsonObject().put("supported", new JsonArray().add(VERSION)).put("requested", params.getString("protocolVersion")));
      return;
    }
    if (header == null || !header.equals(version) || !method.equals(req.getHeader("Mcp-Method"))) {
      error(req.response(), 400, id, -32020, "Header mismatch: MCP-Protocol-Version/Mcp-Method do not match the body", null);
      return;
    }
    String nameField = switch (method) {
      case "tools/call", "prompts/get" -> params.getString("name");
      case "resources/read" -> params.getString("uri");
      case "tasks/get", "tasks/update", "tasks/cancel" -> params.getString("taskId");
      default -> null;
    };
    if (nameField != null && !nameField.equals(decode(req.getHeader("Mcp-Name")))) {
      error(req.response(), 400, id, -32020, "Header mismatch: Mcp-Name does not match the body", null);
      return;
    }
    // x-mcp-header: the tool "regional" mirrors arguments.region into Mcp-Param-Region
    String region = "tools/call".equals(method) && "regional".equals(params.getString("name"))
        ? params.getJsonObject("arguments", new JsonObject()).getString("region") : null;
    if (region != null && !region.equals(decode(req.getHeader("Mcp-Param-Region")))) {
      error(req.response(), 400, id, -32020, "Header mismatch: Mcp-Param-Region does not match the body", null);
      return;
    }
    if (!VERSION.equals(version) || refuseVersionNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      error(req.response(), 400, id, -32022, "Unsupported protocol version",
          new JsonObject().put("supported", new JsonArray().add(VERSION)).put("requested", version));
      return;
    }
    boolean tasksOk = meta.getJsonObject("io.modelcontextprotocol/clientCapabilities", new JsonObject())
        .getJsonObject("extensions", new JsonObject()).containsKey("io.modelcontextprotocol/tasks");
    HttpServerResponse resp = req.response();
    switch (method) {
      case "server/discover" -> result(resp, id, new JsonObject()
          .put("supportedVersions", new JsonArray().add(VERSION))
          .put("capabilities", new JsonObject().put("tools", listen ? new JsonObject().put("listChanged", true) : new JsonObject())
              .put("resources", listen ? new JsonObject().put("listChanged", true).put("subscribe", true) : new JsonObject())
              .put("prompts", listen ? new JsonObject().put("listChanged", true) : new JsonObject())
              .put("extensions", new JsonObject().put("io.modelcontextprotocol/tasks", new JsonObject())))
          .put("_meta", serverInfo()).put("instructions", "Use echo to repeat things.")
          .put("ttlMs", 60000).put("cacheScope", "public"));
      case "subscriptions/listen" -> {
        if (!listen) error(resp, 404, id, -32601, "Method not found: " + method, null);
        else listen(resp, id, params);
      }
      case "tools/list" -> result(resp, id, new JsonObject().put("tools", added(new JsonArray()
          .add(tool("echo", "Repeats the message", new JsonObject().put("message", new JsonObject().put("type", "string"))))
          .add(tool("count", "Counts to two with progress", new JsonObject()))
          .add(tool("long_job", "A long job run as a task", new JsonObject().put("steps", new JsonObject().put("type", "integer"))))
          .add(tool("stuck_job", "A task that only ends when cancelled", new JsonObject()))
          .add(tool("paint_job", "A task that asks which color mid-way (sampling: asks the client's model instead)",
              new JsonObject().put("sampling", new JsonObject().put("type", "boolean"))))
          .add(tool("regional", "Mirrors region into Mcp-Param-Region", new JsonObject()
              .put("region", new JsonObject().put("type", "string").put("x-mcp-header", "Region"))
              .put("query", new JsonObject().put("type", "string"))))
          .add(tool("ask", "Asks who you are, then greets you", new JsonObject()))
          .add(new JsonObject().put("name", "schema2020").put("description", "JSON Schema 2020-12 keywords").put("inputSchema", SCHEMA_2020))
          .add(tool("sample", "Asks the client's model (sampling)", new JsonObject()))
          .add(tool("bad_header", "x-mcp-header on a number: invalid, must be left out", new JsonObject()
              .put("ratio", new JsonObject().put("type", "number").put("x-mcp-header", "Ratio"))))))
          .put("ttlMs", 0).put("cacheScope", "private"));
      case "tools/call" -> call(resp, id, params, tasksOk);
      case "tasks/get" -> taskGet(resp, id, params.getString("taskId"));
      case "tasks/update" -> taskUpdate(resp, id, params);
      case "tasks/cancel" -> {
        JsonObject t = tasks.get(params.getString("taskId"));
        if (t == null) {
          error(resp, 400, id, -32602, "Unknown task", null);
          return;
        }
        if (!terminal(t.getString("status"))) t.put("status", "cancelled").put("message", "cancelled by the client");
        result(resp, id, new JsonObject());
      }
      case "resources/list" -> result(resp, id, new JsonObject().put("resources", new JsonArray()
          .add(new JsonObject().put("uri", "note://hello").put("name", "hello").put("mimeType", "text/plain")))
          .put("ttlMs", 0).put("cacheScope", "private"));
      case "resources/read" -> {
        if (!"note://hello".equals(params.getString("uri"))) {
          error(resp, 400, id, -32602, "Resource not found", new JsonObject().put("uri", params.getString("uri")));
          return;
        }
        result(resp, id, new JsonObject().put("contents", new JsonArray().add(new JsonObject().put("uri", "note://hello")
            .put("mimeType", "text/plain").put("text", note))).put("ttlMs", 0).put("cacheScope", "private"));
      }
      case "prompts/list" -> result(resp, id, new JsonObject().put("prompts", new JsonArray().add(new JsonObject()
          .put("name", "greet").put("description", "Greets someone")
          .put("arguments", new JsonArray().add(new JsonObject().put("name", "who").put("required", true)))))
          .put("ttlMs", 0).put("cacheScope", "private"));
      case "prompts/get" -> result(resp, id, new JsonObject().put("messages", new JsonArray().add(new JsonObject()
          .put("role", "user").put("content", new JsonObject().put("type", "text")
              .put("text", "Say hello to " + params.getJsonObject("arguments", new JsonObject()).getString("who"))))));
      default -> error(resp, 404, id, -32601, "Method not found: " + method, null);
    }
  }

  private JsonArray added(JsonArray tools) {
    addedTools.forEach(n -> tools.add(tool(n, "Added while connected", new JsonObject())));
    return tools;
  }

  private void call(HttpServerResponse resp, Object id, JsonObject params, boolean tasksOk) {
    String name = params.getString("name");
    JsonObject args = params.getJsonObject("arguments", new JsonObject());
    switch (name) {
      case "echo" -> result(resp, id, text("echo: " + args.getString("message")));
      case "ask" -> ask(resp, id, params);
      case "sample" -> result(resp, id, new JsonObject().put("resultType", "input_required").put("inputRequests", new JsonObject()
          .put("q", new JsonObject().put("method", "sampling/createMessage").put("params", new JsonObject()
              .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
                  .put("content", new JsonObject().put("type", "text").put("text", "2+2?")))).put("maxTokens", 10)))));
      case "regional" -> result(resp, id, text("region " + args.getString("region")));
      case "count" -> {
        Object token = params.getJsonObject("_meta", new JsonObject()).getValue("progressToken");
        resp.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("X-Accel-Buffering", "no");
        for (int i = 1; i <= 2; i++) {
          event(resp, new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress").put("params",
              new JsonObject().put("progressToken", token).put("progress", i).put("total", 2).put("message", "counted " + i)));
        }
        event(resp, response(id, text("counted to 2")));
        resp.end();
      }
      case "long_job", "stuck_job", "paint_job" -> {
        if (!tasksOk) {
          result(resp, id, text("ran without a task"));
          return;
        }
        String taskId = UUID.randomUUID().toString();
        JsonObject t = new JsonObject().put("status", "working").put("polls", 0)
            .put("steps", "long_job".equals(name) ? args.getInteger("steps", 3) : -1).put("message", "started").put("kind", name)
            .put("sampling", "paint_job".equals(name) && args.getBoolean("sampling", false))
            .put("createdAt", Instant.now().toString());
        tasks.put(taskId, t);
        result(resp, id, task(taskId, t).put("resultType", "task"));
      }
      default -> error(resp, 400, id, -32602, "Unknown tool: " + name, null);
    }
  }

  /** An input schema using JSON Schema 2020-12 beyond what the SDK's typed schema keeps. */
  static final JsonObject SCHEMA_2020 = new JsonObject("""
      {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
       "$defs":{"address":{"$anchor":"addr","type":"object","properties":{"city":{"type":"string"}}}},
       "properties":{"kind":{"type":"string"},"home":{"$ref":"#/$defs/address"}},
       "allOf":[{"anyOf":[{"required":["kind"]},{"required":["home"]}]}],
       "if":{"properties":{"kind":{"const":"home"}}},"then":{"required":["home"]},"else":{"required":[]},
       "additionalProperties":false}""");

  /** requestState handed out by ask, not yet answered. */
  final List<String> states = new CopyOnWriteArrayList<>();

  private void ask(HttpServerResponse resp, Object id, JsonObject params) {
    JsonObject answers = params.getJsonObject("inputResponses");
    if (answers == null) {
      String state = "state-" + UUID.randomUUID();
      states.add(state);
      result(resp, id, new JsonObject().put("resultType", "input_required").put("requestState", state).put("inputRequests", new JsonObject()
          .put("who", new JsonObject().put("method", "elicitation/create").put("params", new JsonObject().put("message", "Who are you?")
              .put("requestedSchema", new JsonObject().put("type", "object").put("properties", new JsonObject()
                  .put("name", new JsonObject().put("type", "string"))).put("required", new JsonArray().add("name")))))
          .put("where", new JsonObject().put("method", "roots/list").put("params", new JsonObject()))));
      return;
    }
    if (!states.remove(params.getString("requestState", ""))) {
      error(resp, 400, id, -32602, "requestState was not echoed", null);
      return;
    }
    JsonObject who = answers.getJsonObject("who", new JsonObject());
    JsonArray roots = answers.getJsonObject("where", new JsonObject()).getJsonArray("roots", new JsonArray());
    String where = roots.isEmpty() ? "nowhere" : roots.getJsonObject(0).getString("uri");
    result(resp, id, text("accept".equals(who.getString("action"))
        ? "hello " + who.getJsonObject("content").getString("name") + " in " + where : "you said " + who.getString("action")));
  }

  private void taskGet(HttpServerResponse resp, Object id, String taskId) {
    JsonObject t = tasks.get(taskId);
    if (t == null) {
      error(resp, 400, id, -32602, "Unknown task", null);
      return;
    }
    if (failNextPolls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      resp.setStatusCode(503).end("restarting");   // the task lives on: a later poll finds it
      return;
    }
    if ("paint_job".equals(t.getString("kind"))) {
      paintPoll(t);
    } else if (!terminal(t.getString("status"))) {
      int polls = t.getInteger("polls") + 1;
      int steps = t.getInteger("steps");
      t.put("polls", polls).put("message", "step " + polls + (steps > 0 ? "/" + steps : ""));
      if (steps > 0 && polls >= steps) t.put("status", "completed").put("message", "done after " + steps + " steps");
    }
    JsonObject r = task(taskId, t);
    if ("completed".equals(t.getString("status"))) r.put("result", text(t.getString("result",
        "long job finished in " + t.getInteger("steps") + " steps")).put("resultType", "complete"));
    if ("input_required".equals(t.getString("status")) && t.getBoolean("sampling", false)) {
      r.put("inputRequests", new JsonObject().put(t.getString("inputKey"), new JsonObject().put("method", "sampling/createMessage")
          .put("params", new JsonObject().put("messages", new JsonArray()).put("maxTokens", 10))));
    } else if ("input_required".equals(t.getString("status"))) r.put("inputRequests", new JsonObject().put(t.getString("inputKey"),
        new JsonObject().put("method", "elicitation/create").put("params", new JsonObject().put("mode", "form")
            .put("message", "Which color?").put("requestedSchema", new JsonObject().put("type", "object")
                .put("properties", new JsonObject().put("color", new JsonObject().put("type", "string")))
                .put("required", new JsonArray().add("color"))))));
    result(resp, id, r);
  }

  /**
   * paint_job: works one poll, then needs a color (input_required, the same request on every poll until answered,
   * its key unique to the task); an accepted answer is taken by tasks/update and the next poll completes with
   * "painted <color>". A declined or dismissed answer leaves it working without end (only tasks/cancel ends it),
   * so a test sees that the client cancels it.
   */
  private static void paintPoll(JsonObject t) {
    if (terminal(t.getString("status"))) return;
    int polls = t.getInteger("polls") + 1;
    t.put("polls", polls);
    if (t.containsKey("color")) {
      t.put("status", "completed").put("message", "painted").put("result", "painted " + t.getString("color"));
    } else if (!t.containsKey("answer") && polls >= 2) {
      t.put("status", "input_required").put("message", "waiting for a color");
      if (!t.containsKey("inputKey")) t.put("inputKey", "color-" + UUID.randomUUID());
    }
  }

  /** tasks/update: takes the answer to an outstanding key (others are ignored, as the extension says) and acks. */
  private void taskUpdate(HttpServerResponse resp, Object id, JsonObject params) {
    JsonObject t = tasks.get(params.getString("taskId"));
    if (t == null) {
      error(resp, 400, id, -32602, "Unknown task", null);
      return;
    }
    JsonObject responses = params.getJsonObject("inputResponses", new JsonObject());
    String key = t.getString("inputKey");
    if ("input_required".equals(t.getString("status")) && key != null && responses.getValue(key) instanceof JsonObject answer) {
      t.put("answer", answer).put("status", "working");
      if ("accept".equals(answer.getString("action"))) {
        t.put("color", answer.getJsonObject("content", new JsonObject()).getString("color")).put("message", "painting");
      } else {
        t.put("message", "no color: " + answer.getString("action"));
      }
    }
    result(resp, id, new JsonObject());
  }

  private static boolean terminal(String status) {
    return "completed".equals(status) || "failed".equals(status) || "cancelled".equals(status);
  }

  private static JsonObject task(String taskId, JsonObject t) {
    return new JsonObject().put("taskId", taskId).put("status", t.getString("status")).put("statusMessage", t.getString("message"))
        .put("createdAt", t.getString("createdAt")).put("lastUpdatedAt", Instant.now().toString())
        .put("ttlMs", 60000).put("pollIntervalMs", 60);
  }

  private static JsonObject tool(String name, String description, JsonObject properties) {
    return new JsonObject().put("name", name).put("description", description)
        .put("inputSchema", new JsonObject().put("type", "object").put("properties", properties));
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text)));
  }

  private static JsonObject serverInfo() {
    return new JsonObject().put("io.modelcontextprotocol/serverInfo", new JsonObject().put("name", "stateless-test").put("version", "1.0.0"));
  }

  private static JsonObject response(Object id, JsonObject result) {
    if (!result.containsKey("resultType")) result.put("resultType", "complete");
    JsonObject meta = result.getJsonObject("_meta", new JsonObject());
    meta.mergeIn(serverInfo());
    result.put("_meta", meta);
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
  }

  private static void result(HttpServerResponse resp, Object id, JsonObject result) {
    resp.putHeader("Content-Type", "application/json").end(response(id, result).encode());
  }

  private static void error(HttpServerResponse resp, int status, Object id, int code, String message, JsonObject data) {
    JsonObject err = new JsonObject().put("code", code).put("message", message);
    if (data != null) err.put("data", data);
    resp.setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error", err).encode());
  }

  private static void event(HttpServerResponse resp, JsonObject msg) {
    resp.write("event: message\ndata: " + msg.encode() + "\n\n");
  }

  /** Mcp-Name may carry the Base64 sentinel form. */
  static String decode(String header) {
    if (header != null && header.startsWith("=?base64?") && header.endsWith("?=")) {
      return new String(Base64.getDecoder().decode(header.substring(9, header.length() - 2)), StandardCharsets.UTF_8);
    }
    return header;
  }
}
