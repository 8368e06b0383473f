package dev.maestro.tool.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The notification stream of the stateless 2026-07-28 revision: one long-lived {@code subscriptions/listen}
 * request whose {@code params.notifications} (a SubscriptionFilter: {@code toolsListChanged},
 * {@code resourcesListChanged}, {@code promptsListChanged}, {@code resourceSubscriptions}) opts in to what the
 * server advertised in server/discover. The server acknowledges with {@code notifications/subscriptions/acknowledged}
 * and then sends the list changes and {@code notifications/resources/updated} on the request's stream (HTTP: its SSE
 * answer; stdio: tagged with {@code _meta["io.modelcontextprotocol/subscriptionId"]}). They go to the same
 * {@link McpClientFactory.Events} the SDK feeds for 2025 servers, so the catalog, the tool list and the bus events
 * react the same way. Per schema the filter is fixed when the stream opens (it replaces resources/subscribe), so
 * a change of the subscribed URIs reopens the stream. The revision has no resumption: a stream that ends (a
 * result: the server tore it down; an error: it dropped) is opened again after a backoff, and what was missed in
 * between is made good by treating the reopening as "everything may have changed".
 */
final class StatelessListen {
  private static final Logger LOG = LoggerFactory.getLogger(StatelessListen.class);
  static final String METHOD = "subscriptions/listen";
  static final String ACKNOWLEDGED = "notifications/subscriptions/acknowledged";
  static final long FIRST_BACKOFF_MILLIS = 200;
  static final long MAX_BACKOFF_MILLIS = 30_000;

  private final StatelessPeer peer;
  private final McpClientFactory.Events events;
  private final boolean tools;
  private final boolean resources;
  private final boolean prompts;
  private final boolean subscribe;
  /** URIs whose notifications/resources/updated we want (the catalog's subscriptions). Guarded by this. */
  private final LinkedHashSet<String> uris = new LinkedHashSet<>();
  /** The stream open now (or being opened), and the ack of the latest one. Guarded by this. */
  private Disposable stream;
  private Sinks.One<Void> acked = Sinks.one();
  private int streamNo;
  private int failures;
  /** A stream ended on its own since the last acknowledgement: what it would have told us is lost. */
  private boolean dropped;
  private boolean closed;

  private StatelessListen(StatelessPeer peer, McpSchema.ServerCapabilities caps, McpClientFactory.Events events) {
    this.peer = peer;
    this.events = events;
    this.tools = caps.tools() != null && Boolean.TRUE.equals(caps.tools().listChanged());
    this.prompts = caps.prompts() != null && Boolean.TRUE.equals(caps.prompts().listChanged());
    this.resources = caps.resources() != null && Boolean.TRUE.equals(caps.resources().listChanged());
    this.subscribe = caps.resources() != null && Boolean.TRUE.equals(caps.resources().subscribe());
  }

  /** Opens the stream when the server advertises something it delivers there; null when it advertises nothing. */
  static StatelessListen open(StatelessPeer peer, McpClientFactory.Events events) {
    McpSchema.ServerCapabilities caps = peer.capabilities();
    if (caps == null) return null;
    StatelessListen l = new StatelessListen(peer, caps, events);
    if (!l.tools && !l.prompts && !l.resources && !l.subscribe) return null;
    l.reopen(0);
    return l;
  }

  /** Whether resources/updated can be asked for (the server advertised resources.subscribe). */
  boolean subscribes() {
    return subscribe;
  }

  /** The filter a stream opens with (SubscriptionsListenRequestParams.notifications). */
  synchronized Map<String, Object> filter() {
    Map<String, Object> f = new LinkedHashMap<>();
    if (tools) f.put("toolsListChanged", true);
    if (resources) f.put("resourcesListChanged", true);
    if (prompts) f.put("promptsListChanged", true);
    if (subscribe) f.put("resourceSubscriptions", List.copyOf(uris));
    return f;
  }

  /** Follows {@code uri}: the stream is reopened with it; completes when the server acknowledged that stream. */
  Mono<Void> subscribe(String uri) {
    synchronized (this) {
      if (!subscribe || closed) return Mono.error(new IllegalStateException("the MCP server takes no resource subscriptions"));
      if (!uris.add(uri)) return acked.asMono();
    }
    // the catalog gives up after its timeout (no acknowledgement): the URI is then not followed, here either
    return reopen(0).doOnCancel(() -> forget(uri));
  }

  private synchronized void forget(String uri) {
    uris.remove(uri);
  }

  Mono<Void> unsubscribe(String uri) {
    synchronized (this) {
      if (closed || !uris.remove(uri)) return Mono.empty();
    }
    reopen(0);
    return Mono.empty();   // notifications for it that still come are ignored by the catalog
  }

  /** Ends the stream (disposing it closes the HTTP stream / cancels the request on stdio); nothing reopens it. */
  void close() {
    Disposable d;
    synchronized (this) {
      closed = true;
      d = stream;
      stream = null;
    }
    if (d != null) d.dispose();
  }

  /** (Re)opens the stream after {@code delayMillis}; the returned Mono completes on its acknowledgement. */
  private Mono<Void> reopen(long delayMillis) {
    Disposable old;
    Sinks.One<Void> ack = Sinks.one();
    int no;
    synchronized (this) {
      if (closed) return Mono.empty();
      old = stream;
      // whoever waited for the stream this one replaces is answered by this one's acknowledgement
      Sinks.One<Void> previous = acked;
      ack.asMono().subscribe(v -> { }, e -> { }, previous::tryEmitEmpty);
      acked = ack;
      no = ++streamNo;
      // subscribed off the event loop: the HTTP wire checks the URL (a name lookup) before sending
      stream = Mono.delay(Duration.ofMillis(delayMillis), Schedulers.boundedElastic())
          .then(Mono.defer(() -> peer.wire().request(METHOD, null, Map.of("notifications", filter()), msg -> notification(no, msg))))
          .subscribe(result -> ended(no, null), err -> ended(no, err));
    }
    if (old != null) old.dispose();
    return ack.asMono();
  }

  private boolean current(int no) {
    synchronized (this) {
      return !closed && no == streamNo;
    }
  }

  /** The stream ended: a result (the server tore it down gracefully) or an error (dropped, refused). */
  private void ended(int no, Throwable err) {
    long delay;
    if (err instanceof StatelessHttpClient.RpcError r && r.code == -32601) {
      LOG.warn("MCP server advertises list changes but has no {}: they are picked up on reconnect only", METHOD);
      return;
    }
    synchronized (this) {
      if (closed || no != streamNo) return;
      delay = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS * (1L << Math.min(failures, 16)));
      failures++;
      dropped = true;
    }
    LOG.debug("MCP {} stream ended ({}); reopening in {} ms", METHOD, err == null ? "closed by the server" : McpErrors.message(err), delay);
    reopen(delay);
  }

  private void notification(int no, Map<String, Object> msg) {
    if (!current(no)) return;
    String method = String.valueOf(msg.get("method"));
    switch (method) {
      case ACKNOWLEDGED -> {
        boolean again;
        Sinks.One<Void> ack;
        synchronized (this) {
          failures = 0;
          again = dropped;
          dropped = false;
          ack = acked;
        }
        ack.tryEmitEmpty();
        // no resumption in this revision: what changed while no stream was open is unknown, so assume everything
        if (again) caughtUp();
      }
      case "notifications/tools/list_changed" -> events.toolsChanged();
      case "notifications/resources/list_changed" -> events.resourcesChanged();
      case "notifications/prompts/list_changed" -> events.promptsChanged();
      case "notifications/resources/updated" -> {
        Object uri = msg.get("params") instanceof Map<?, ?> p ? p.get("uri") : null;
        if (uri instanceof String u) updated(u);
      }
      default -> LOG.debug("MCP {}: {} ignored", METHOD, method.length() > 100 ? method.substring(0, 100) : method);
    }
  }

  /** After a stream dropped and came back: lists re-read, followed resources re-read. */
  private void caughtUp() {
    if (tools) events.toolsChanged();
    if (resources) events.resourcesChanged();
    if (prompts) events.promptsChanged();
    List<String> followed;
    synchronized (this) {
      followed = List.copyOf(uris);
    }
    followed.forEach(this::updated);
  }

  /** As the SDK does for 2025 servers: the resource is read again and handed over with its current content. */
  private void updated(String uri) {
    peer.readResource(uri).subscribe(r -> events.resourceUpdated(uri, r.contents()), err -> {
      LOG.debug("re-reading updated MCP resource failed: {}", McpErrors.message(err));
      events.resourceUpdated(uri, null);
    });
  }
}
