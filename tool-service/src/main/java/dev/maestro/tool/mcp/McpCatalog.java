package dev.maestro.tool.mcp;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.McpAttachments;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One server's resources and prompts: lists (every page, cached until the server says they changed),
 * resource reads (cached per URI and subscribed to with {@code resources/subscribe} when the server
 * advertises {@code resources.subscribe}; {@code notifications/resources/updated} replaces the cached copy
 * with the server's current content), prompts/get. Subscriptions are bounded: the least recently read URI
 * beyond {@link McpSettings#maxSubscriptions()}, and a URI the server no longer lists, get {@code resources/unsubscribe}.
 * Everything the server sends is bounded before it leaves here: it is untrusted and ends up in a model's context.
 */
final class McpCatalog {
  static final int MAX_ITEMS = 1000;
  private static final int MAX_PAGES = 50;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(McpCatalog.class);

  private final McpSettings settings;
  private final MonoFutures futures;
  private final McpResults results;
  private volatile Future<List<JsonObject>> resources;
  private volatile Future<List<JsonObject>> prompts;
  private final Map<String, JsonObject> reads = new ConcurrentHashMap<>();
  /** Subscribed URIs, least recently read first. Touched on the owning context only. */
  private final java.util.LinkedHashSet<String> subscribed = new java.util.LinkedHashSet<>();
  private final int maxSubscriptions;
  /** The peer the subscriptions were made on (unsubscribe goes there); null before the first one. */
  private McpPeer subscribedOn;
  /** The URIs of the last complete list (a subscription to one that leaves the list ends). */
  private Set<String> wasListed = Set.of();

  McpCatalog(Context context, McpSettings settings, McpResults results) {
    this.settings = settings;
    this.futures = new MonoFutures(context);
    this.results = results;
    this.maxSubscriptions = settings.maxSubscriptions();
  }

  /** A new client (reconnect): everything cached may be stale and subscriptions are gone. */
  void reset() {
    resources = null;
    prompts = null;
    reads.clear();
    subscribed.clear();
    subscribedOn = null;
    wasListed = Set.of();
  }

  void resourcesChanged() {
    resources = null;
  }

  /**
   * notifications/resources/updated with the resource's content as read again just now (null when that read
   * failed): the cached copy becomes that content, or is dropped. Returns the fresh copy, or null.
   */
  JsonObject resourceUpdated(String uri, List<McpSchema.ResourceContents> fresh) {
    if (fresh == null || !subscribed.contains(uri)) {
      reads.remove(uri);
      return null;
    }
    JsonObject out = contents(uri, fresh);
    reads.put(uri, out.copy());
    return out;
  }

  /** URIs subscribed now, least recently read first. */
  List<String> subscriptions() {
    return List.copyOf(subscribed);
  }

  void promptsChanged() {
    prompts = null;
  }

  /** {uri, name, title?, description?, mimeType?} of every resource (empty for a server without resources). */
  Future<List<JsonObject>> resources(McpPeer c) {
    McpSchema.ServerCapabilities caps = c.capabilities();
    if (caps == null || caps.resources() == null) return Future.succeededFuture(List.of());
    Future<List<JsonObject>> cached = resources;
    if (cached != null && !cached.failed()) return cached;
    Future<List<JsonObject>> f = resourcePage(c, null, new ArrayList<>(), 0).onSuccess(all -> {
      if (all.size() >= MAX_ITEMS) return;   // a cut list proves nothing about what is gone
      Set<String> listed = new java.util.HashSet<>();
      all.forEach(r -> listed.add(r.getString("uri")));
      for (String uri : List.copyOf(subscribed)) {
        // a read URI need not be listed (templates); a listed one that went away is dropped
        if (!listed.contains(uri) && wasListed.contains(uri)) unsubscribe(uri);
      }
      wasListed = listed;
    });
    resources = f;
    return f;
  }

  /** resources/unsubscribe and the cached copy dropped; best effort (the server may be gone). */
  private void unsubscribe(String uri) {
    subscribed.remove(uri);
    reads.remove(uri);
    McpPeer on = subscribedOn;
    if (on == null) return;
    futures.of(on.unsubscribeResource(uri).timeout(bound())).onFailure(err ->
        LOG.debug("resources/unsubscribe of {} failed: {}", cut(uri, 200), McpErrors.message(err)));
  }

  private Future<List<JsonObject>> resourcePage(McpPeer c, String cursor, List<JsonObject> all, int pages) {
    if (pages >= MAX_PAGES || all.size() >= MAX_ITEMS) return Future.succeededFuture(all);
    return futures.of(c.listResources(cursor).timeout(bound())).compose(r -> {
      for (McpSchema.Resource res : r.resources()) {
        if (all.size() >= MAX_ITEMS) break;
        all.add(new JsonObject().put("uri", cut(res.uri(), 2000)).put("name", cut(res.name(), 200))
            .put("title", cut(res.title(), 200)).put("description", cut(res.description(), 2000))
            .put("mimeType", cut(res.mimeType(), 200)));
      }
      String next = r.nextCursor();
      return next == null || next.isEmpty() ? Future.succeededFuture(all) : resourcePage(c, next, all, pages + 1);
    });
  }

  /**
   * {uri, mimeType?, text, truncated}: the resource's text contents joined (a binary content is named, not
   * inlined), cut to {@link McpAttachments#MAX_CHARS}. Subscribes to the URI first when the server can tell us
   * about changes, so the cached copy is dropped when it changes.
   */
  Future<JsonObject> read(McpPeer c, String uri) {
    JsonObject cached = reads.get(uri);
    if (cached != null) {
      subscribed.remove(uri);   // most recently read: last to be evicted
      subscribed.add(uri);
      return Future.succeededFuture(cached.copy());
    }
    McpSchema.ServerCapabilities caps = c.capabilities();
    if (caps == null || caps.resources() == null) {
      return ServiceException.fail(ErrorCodes.NOT_FOUND, "this MCP server has no resources");
    }
    Future<Void> sub = Future.succeededFuture();
    boolean subscribing = Boolean.TRUE.equals(caps.resources().subscribe()) && !subscribed.contains(uri);
    if (subscribing) {
      subscribed.add(uri);
      subscribedOn = c;
      while (subscribed.size() > maxSubscriptions) unsubscribe(subscribed.iterator().next());
      sub = futures.of(c.subscribeResource(uri).timeout(bound()))
          .<Void>mapEmpty().recover(err -> {
            subscribed.remove(uri);
            return Future.succeededFuture();   // reading still works; it is just not kept fresh
          });
    }
    return sub.compose(v -> futures.of(c.readResource(uri).timeout(bound())))
        .recover(err -> {
          if (subscribing && subscribed.contains(uri)) unsubscribe(uri);   // no such resource: nothing to follow
          return Future.failedFuture(notFound(err, "resource '" + cut(uri, 200) + "'"));
        })
        .map(r -> {
          JsonObject out = contents(uri, r.contents());
          if (subscribed.contains(uri)) reads.put(uri, out.copy());
          return out;
        });
  }

  /** {uri, mimeType?, text, truncated} of a resource's contents. */
  private static JsonObject contents(String uri, List<McpSchema.ResourceContents> contents) {
    StringBuilder text = new StringBuilder();
    String mime = null;
    for (McpSchema.ResourceContents rc : contents) {
      if (text.length() > 0) text.append('\n');
      if (mime == null) mime = rc.mimeType();
      if (rc instanceof McpSchema.TextResourceContents t) text.append(t.text());
      else if (rc instanceof McpSchema.BlobResourceContents b) {
        text.append("[binary content ").append(rc.mimeType() == null ? "" : rc.mimeType() + ", ")
            .append(b.blob() == null ? 0 : b.blob().length() * 3 / 4).append(" bytes, not shown]");
      }
      if (text.length() > McpAttachments.MAX_CHARS) break;
    }
    boolean truncated = text.length() > McpAttachments.MAX_CHARS;
    return new JsonObject().put("uri", uri).put("mimeType", cut(mime, 200))
        .put("text", truncated ? text.substring(0, McpAttachments.MAX_CHARS) : text.toString()).put("truncated", truncated);
  }

  /** {name, title?, description?, arguments:[{name, description?, required}]} of every prompt. */
  Future<List<JsonObject>> prompts(McpPeer c) {
    McpSchema.ServerCapabilities caps = c.capabilities();
    if (caps == null || caps.prompts() == null) return Future.succeededFuture(List.of());
    Future<List<JsonObject>> cached = prompts;
    if (cached != null && !cached.failed()) return cached;
    Future<List<JsonObject>> f = promptPage(c, null, new ArrayList<>(), 0);
    prompts = f;
    return f;
  }

  private Future<List<JsonObject>> promptPage(McpPeer c, String cursor, List<JsonObject> all, int pages) {
    if (pages >= MAX_PAGES || all.size() >= MAX_ITEMS) return Future.succeededFuture(all);
    return futures.of(c.listPrompts(cursor).timeout(bound())).compose(r -> {
      for (McpSchema.Prompt p : r.prompts()) {
        if (all.size() >= MAX_ITEMS) break;
        JsonArray args = new JsonArray();
        if (p.arguments() != null) {
          for (McpSchema.PromptArgument a : p.arguments()) {
            args.add(new JsonObject().put("name", cut(a.name(), 100)).put("description", cut(a.description(), 1000))
                .put("required", Boolean.TRUE.equals(a.required())));
          }
        }
        all.add(new JsonObject().put("name", cut(p.name(), 100)).put("title", cut(p.title(), 200))
            .put("description", cut(p.description(), 2000)).put("arguments", args));
      }
      String next = r.nextCursor();
      return next == null || next.isEmpty() ? Future.succeededFuture(all) : promptPage(c, next, all, pages + 1);
    });
  }

  /**
   * prompts/get → {name, description?, messages:[{role, text}], text}: {@code text} is what becomes the user's
   * message (the messages' text joined; an embedded resource as its text; images named).
   */
  Future<JsonObject> prompt(McpPeer c, String name, Map<String, Object> arguments) {
    return prompts(c).compose(list -> {
      JsonObject known = list.stream().filter(p -> name.equals(p.getString("name"))).findFirst().orElse(null);
      if (known == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no prompt named '" + cut(name, 100) + "'");
      JsonArray missing = new JsonArray();
      for (Object o : known.getJsonArray("arguments")) {
        JsonObject a = (JsonObject) o;
        Object v = arguments.get(a.getString("name"));
        if (a.getBoolean("required") && (v == null || String.valueOf(v).isBlank())) {
          missing.add(new JsonObject().put("field", "arguments." + a.getString("name")).put("message", "is required"));
        }
      }
      if (!missing.isEmpty()) {
        return ServiceException.fail(ErrorCodes.BAD_REQUEST, "the prompt needs arguments",
            new JsonObject().put("errors", missing).put("arguments", known.getJsonArray("arguments").copy()));
      }
      return futures.of(c.getPrompt(new McpSchema.GetPromptRequest(name, arguments)).timeout(bound()))
          .recover(err -> Future.failedFuture(notFound(err, "prompt '" + cut(name, 100) + "'")))
          .map(r -> {
            JsonArray messages = new JsonArray();
            StringBuilder all = new StringBuilder();
            for (McpSchema.PromptMessage m : r.messages()) {
              String text = text(m.content());
              messages.add(new JsonObject().put("role", m.role() == null ? "user" : m.role().name().toLowerCase())
                  .put("text", text));
              if (all.length() > 0) all.append("\n\n");
              all.append(text);
              if (all.length() > McpAttachments.MAX_CHARS) break;
            }
            String joined = all.length() > McpAttachments.MAX_CHARS ? all.substring(0, McpAttachments.MAX_CHARS) : all.toString();
            return new JsonObject().put("name", name).put("description", cut(r.description(), 2000))
                .put("messages", messages).put("text", joined);
          });
    });
  }

  private String text(McpSchema.Content content) {
    if (content instanceof McpSchema.TextContent t) return t.text() == null ? "" : t.text();
    if (content instanceof McpSchema.EmbeddedResource e) {
      if (e.resource() instanceof McpSchema.TextResourceContents t) return t.text();
      return "[binary resource " + e.resource().uri() + "]";
    }
    if (content instanceof McpSchema.ImageContent i) return "[image " + i.mimeType() + "]";
    if (content instanceof McpSchema.AudioContent a) return "[audio " + a.mimeType() + "]";
    if (content instanceof McpSchema.ResourceLink l) return "[resource " + l.uri() + "]";
    return results.json(content, new JsonObject()).encode();
  }

  /** A JSON-RPC error from the server (unknown URI, invalid params) is "not found" with its message, bounded. */
  private static Throwable notFound(Throwable err, String what) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof McpError e) {
        return new ServiceException(ErrorCodes.NOT_FOUND, what + ": the server says " + cut(McpErrors.message(e), 500));
      }
    }
    return err;
  }

  private Duration bound() {
    return Duration.ofSeconds(settings.requestTimeoutSeconds());
  }

  static String cut(String s, int max) {
    if (s == null) return null;
    return s.length() > max ? s.substring(0, max) : s;
  }
}
