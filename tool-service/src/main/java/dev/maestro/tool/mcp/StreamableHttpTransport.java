package dev.maestro.tool.mcp;

import dev.maestro.platform.sse.SseEvent;
import dev.maestro.platform.sse.SseLines;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.McpTransportException;
import io.modelcontextprotocol.spec.McpTransportSessionNotFoundException;
import io.modelcontextprotocol.spec.ProtocolVersions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * MCP Streamable HTTP client transport (java.net.http, non-blocking) that keeps SSE streams alive the
 * way the spec asks (SEP-1699) and the SDK 1.1.5 transport does not: it remembers each stream's last
 * event id and {@code retry:} value, and when a stream ends (gracefully or not) before every response
 * it was opened for has arrived, it waits {@code retry} ms and resumes with a GET carrying
 * {@code Last-Event-ID}. Without an event id to resume from, the waiting requests fail at once instead
 * of hanging until their timeout. The standalone GET stream (server-initiated messages) is reopened the
 * same way. A 401/403 surfaces as the SDK's {@link McpHttpClientTransportAuthorizationException}
 * (with the WWW-Authenticate challenge), an expired session as
 * {@link McpTransportSessionNotFoundException}, like the SDK transport it replaces.
 */
final class StreamableHttpTransport implements McpClientTransport {
  private static final Logger LOG = LoggerFactory.getLogger(StreamableHttpTransport.class);
  static final List<String> PROTOCOL_VERSIONS = List.of(ProtocolVersions.MCP_2024_11_05, ProtocolVersions.MCP_2025_03_26,
      ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_11_25);
  /** Reconnection delay when the server gave no {@code retry:} (the EventSource default is a few seconds). */
  static final long DEFAULT_RETRY_MS = 1000;
  private static final long MAX_RETRY_MS = 30_000;
  /** Resumptions of one request stream; a server that keeps dropping it gets a failed request. */
  private static final int MAX_RESUMES = 10;
  /** Reconnects of the standalone GET stream in a row that brought nothing. */
  private static final int MAX_LISTEN_FAILURES = 5;
  private static final int MAX_EVENT_CHARS = 32 * 1024 * 1024;

  private final HttpClient http;
  private final URI uri;
  private final Map<String, String> headers;
  /** Checks the URL against the outbound policy before every request (see {@link McpUrls}). */
  private final Runnable urlCheck;
  private final McpJsonMapper mapper;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean listening = new AtomicBoolean();
  private volatile Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler;
  private volatile Consumer<Throwable> exceptionHandler = e -> { };
  private volatile String sessionId;
  private volatile String protocolVersion;
  private volatile String initializeId;
  private volatile boolean closed;

  StreamableHttpTransport(URI uri, Map<String, String> headers, McpJsonMapper mapper, Duration connectTimeout) {
    this(uri, headers, mapper, connectTimeout, () -> { });
  }

  StreamableHttpTransport(URI uri, Map<String, String> headers, McpJsonMapper mapper, Duration connectTimeout, Runnable urlCheck) {
    this.urlCheck = urlCheck;
    this.uri = uri;
    this.headers = Map.copyOf(headers);
    this.mapper = mapper;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
  }

  @Override
  public List<String> protocolVersions() {
    return PROTOCOL_VERSIONS;
  }

  @Override
  public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
    this.handler = handler;
    return Mono.empty();
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    this.exceptionHandler = handler;
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return mapper.convertValue(data, typeRef);
  }

  @Override
  public Mono<Void> sendMessage(JSONRPCMessage message) {
    return Mono.defer(() -> {
      if (closed) return Mono.error(new McpTransportException("transport is closed"));
      String body;
      try {
        body = mapper.writeValueAsString(message);
      } catch (IOException e) {
        return Mono.error(new McpTransportException("cannot serialize an MCP message", e));
      }
      Map<String, Object> pending = new ConcurrentHashMap<>();
      if (message instanceof McpSchema.JSONRPCRequest r) {
        pending.put(String.valueOf(r.id()), r.id());
        if (McpSchema.METHOD_INITIALIZE.equals(r.method())) initializeId = String.valueOf(r.id());
      }
      boolean initialized = false;
      if (message instanceof McpSchema.JSONRPCNotification n) {
        if ("notifications/cancelled".equals(n.method())) abandon(n.params());
        initialized = McpSchema.METHOD_NOTIFICATION_INITIALIZED.equals(n.method());
      }
      CompletableFuture<Void> accepted = new CompletableFuture<>();
      try {
        HttpRequest req = request().header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        http.sendAsync(req, info -> onPostResponse(info, pending, accepted)).whenComplete((r, err) -> {
          if (err != null) accepted.completeExceptionally(transportError(err));
        });
      } catch (RuntimeException e) {
        accepted.completeExceptionally(e);
      }
      Mono<Void> sent = Mono.fromFuture(accepted);
      // The server may push its own messages once the session is initialized (e.g. list_changed).
      return initialized ? sent.doOnSuccess(v -> openListenStream()) : sent;
    });
  }

  private BodySubscriber<Void> onPostResponse(HttpResponse.ResponseInfo info, Map<String, Object> pending,
                                          CompletableFuture<Void> accepted) {
    int status = info.statusCode();
    if (status / 100 == 2) info.headers().firstValue("mcp-session-id").ifPresent(id -> sessionId = id);
    BodySubscriber<Void> refused = refused(info, true, accepted::completeExceptionally);
    if (refused != null) return refused;
    String type = contentType(info);
    if (type.startsWith("text/event-stream")) {
      Stream s = new Stream(pending, false);
      streams.add(s);
      accepted.complete(null);
      return BodySubscribers.fromLineSubscriber(s.connection().subscriber());
    }
    if (type.startsWith("application/json")) {
      return BodySubscribers.<String, Void>mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), text -> {
        if (!text.isBlank()) deliver(text);
        accepted.complete(null);
        return null;
      });
    }
    accepted.complete(null);   // 202 Accepted for notifications and responses
    return BodySubscribers.discarding();
  }

  /**
   * For a response that is not a success: reports the error and returns what drains the body; else null.
   * A 404 to a POST in a session means the session expired; to a GET it may just mean "no GET here".
   */
  private BodySubscriber<Void> refused(HttpResponse.ResponseInfo info, boolean post, Consumer<Throwable> fail) {
    int status = info.statusCode();
    if (status / 100 == 2) return null;
    if (status == 401 || status == 403) {
      fail.accept(new McpHttpClientTransportAuthorizationException("HTTP " + status + " from the MCP server", info));
      return BodySubscribers.discarding();
    }
    String sid = sessionId;
    if (status == 404 && sid != null && post) {
      sessionId = null;
      McpTransportSessionNotFoundException e = new McpTransportSessionNotFoundException(
          "the MCP server no longer knows session " + sid);
      fail.accept(e);
      exceptionHandler.accept(e);
      return BodySubscribers.discarding();
    }
    return BodySubscribers.<String, Void>mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), text -> {
      String detail = text == null || text.isBlank() ? "" : ": " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
      fail.accept(new McpTransportException("HTTP " + status + " from the MCP server" + detail));
      return null;
    });
  }

  private void openListenStream() {
    if (closed || !listening.compareAndSet(false, true)) return;
    Stream s = new Stream(new ConcurrentHashMap<>(), true);
    streams.add(s);
    s.resume();
  }

  /** notifications/cancelled: the server will not answer that request, so stop waiting for it on any stream. */
  private void abandon(Object params) {
    Object requestId = params instanceof Map<?, ?> m ? m.get("requestId") : null;
    if (requestId == null) return;
    answered(String.valueOf(requestId));
  }

  private void answered(String id) {
    for (Stream s : streams) {
      if (s.pending.remove(id) != null && !s.listen && s.pending.isEmpty()) s.finish();
    }
  }

  /** One JSON-RPC message or a batch, from a JSON body or an SSE event. */
  private void deliver(String json) {
    List<JSONRPCMessage> messages = new ArrayList<>();
    try {
      if (json.stripLeading().startsWith("[")) {
        for (Object o : mapper.readValue(json, List.class)) {
          messages.add(McpSchema.deserializeJsonRpcMessage(mapper, mapper.writeValueAsString(o)));
        }
      } else {
        messages.add(McpSchema.deserializeJsonRpcMessage(mapper, json));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("MCP server {} sent a message that is not JSON-RPC: {}", uri, e.getMessage());
      return;
    }
    for (JSONRPCMessage m : messages) {
      if (m instanceof McpSchema.JSONRPCResponse r) {
        String id = String.valueOf(r.id());
        if (id.equals(initializeId) && r.result() instanceof Map<?, ?> result
            && result.get("protocolVersion") instanceof String v) {
          protocolVersion = v;
        }
        dispatch(m);
        answered(id);
      } else {
        dispatch(m);
      }
    }
  }

  private void dispatch(JSONRPCMessage m) {
    Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> h = handler;
    if (h == null) return;
    h.apply(Mono.just(m)).subscribe(x -> { }, err -> LOG.debug("MCP message handler failed: {}", err.toString()));
  }

  private HttpRequest.Builder request() {
    urlCheck.run();
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    headers.forEach(b::header);
    String sid = sessionId;
    if (sid != null) b.header("Mcp-Session-Id", sid);
    String version = protocolVersion;
    if (version != null) b.header("MCP-Protocol-Version", version);
    return b;
  }

  private static String contentType(HttpResponse.ResponseInfo info) {
    return info.headers().firstValue("content-type").orElse("").toLowerCase(java.util.Locale.ROOT).trim();
  }

  private Throwable transportError(Throwable err) {
    Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (t instanceof McpTransportException || t instanceof McpTransportSessionNotFoundException) return t;
    String msg = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
    return new McpTransportException("cannot reach the MCP server " + uri + ": " + msg, t);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.defer(() -> {
      closed = true;
      for (Stream s : streams) s.finish();
      if (sessionId == null) return Mono.empty();
      // Tell the server the session is over; best effort.
      return Mono.fromFuture(() -> http.sendAsync(request().timeout(Duration.ofSeconds(3)).DELETE().build(),
              HttpResponse.BodyHandlers.discarding()))
          .then().onErrorResume(e -> Mono.empty()).timeout(Duration.ofSeconds(5), Mono.empty());
    });
  }

  /**
   * An SSE stream and what it owes us: the responses to the request it was opened for (none for the
   * standalone GET stream). Survives its HTTP connections: each resumption is a new {@link Connection}.
   */
  private final class Stream {
    final Map<String, Object> pending;
    final boolean listen;
    volatile String lastEventId;
    volatile long retryMillis = -1;
    volatile boolean done;
    volatile Connection current;
    int resumes;
    int listenFailures;

    Stream(Map<String, Object> pending, boolean listen) {
      this.pending = pending;
      this.listen = listen;
    }

    Connection connection() {
      Connection c = new Connection(this);
      current = c;
      return c;
    }

    /** GET with Last-Event-ID (when we have one): the server replays what we missed and goes on. */
    void resume() {
      if (done || closed) return;
      Connection c = connection();
      try {
        HttpRequest.Builder b = request().header("Accept", "text/event-stream").GET();
        String last = lastEventId;
        if (last != null) b.header("Last-Event-ID", last);
        http.sendAsync(b.build(), info -> {
          BodySubscriber<Void> refused = refused(info, false, c::rejected);
          if (refused != null) return refused;
          if (!contentType(info).startsWith("text/event-stream")) {
            c.rejected(new McpTransportException("the MCP server answered a GET with " + contentType(info)));
            return BodySubscribers.discarding();
          }
          return BodySubscribers.fromLineSubscriber(c.subscriber());
        }).whenComplete((r, err) -> c.end(err == null ? null : transportError(err)));
      } catch (RuntimeException e) {
        c.rejected(e);   // e.g. an event id that is not a valid header value: retrying will not help
      }
    }

    void ended(Connection c, Throwable err) {
      if (done) return;
      if (closed) {
        finish();
        return;
      }
      if (listen) {
        listenFailures = c.sawData ? 0 : listenFailures + 1;
        if (c.refusal != null || listenFailures > MAX_LISTEN_FAILURES) {
          // 405: the server offers no GET stream; anything else: give up on it (requests still work).
          LOG.debug("MCP server {}: no standalone SSE stream ({})", uri, c.refusal != null ? c.refusal.getMessage() : err);
          finish();
          return;
        }
        long delay = Math.min(MAX_RETRY_MS, retryDelay() << Math.min(10, Math.max(0, listenFailures - 1)));
        Mono.delay(Duration.ofMillis(delay)).subscribe(x -> resume());
        return;
      }
      if (pending.isEmpty()) {
        finish();
        return;
      }
      if (c.refusal != null || lastEventId == null || ++resumes > MAX_RESUMES) {
        String why = c.refusal != null ? "resuming its stream failed: " + c.refusal.getMessage()
            : lastEventId == null ? "the MCP server closed the stream before answering and gave no event id to resume from"
            : "the MCP server dropped the stream " + MAX_RESUMES + " times without answering";
        failPending(why);
        finish();
        return;
      }
      long delay = retryDelay();
      LOG.debug("MCP server {}: stream ended before the response ({}), resuming after {} ms from event {}", uri,
          err == null ? "closed" : err.getMessage(), delay, lastEventId);
      Mono.delay(Duration.ofMillis(delay)).subscribe(x -> resume());
    }

    long retryDelay() {
      long r = retryMillis;
      return r >= 0 ? Math.min(r, MAX_RETRY_MS) : DEFAULT_RETRY_MS;
    }

    void failPending(String why) {
      for (Object id : pending.values()) {
        dispatch(new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, id, null,
            new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.INTERNAL_ERROR, why, null)));
      }
      pending.clear();
    }

    void finish() {
      done = true;
      streams.remove(this);
      Connection c = current;
      if (c != null) c.cancel();
    }
  }

  /** One HTTP response of a {@link Stream}: parses its SSE lines and reports its end exactly once. */
  private final class Connection {
    final Stream stream;
    final SseLines parser = new SseLines(MAX_EVENT_CHARS);
    final AtomicBoolean over = new AtomicBoolean();
    volatile Flow.Subscription subscription;
    volatile boolean sawData;
    volatile Throwable refusal;

    Connection(Stream stream) {
      this.stream = stream;
    }

    Flow.Subscriber<String> subscriber() {
      return new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription = s;
          if (stream.done || closed) s.cancel();
          else s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
          try {
            if (!line.isEmpty()) sawData = true;
            SseEvent e = parser.line(line);
            if (parser.lastEventId() != null) stream.lastEventId = parser.lastEventId();
            if (parser.retryMillis() >= 0) stream.retryMillis = parser.retryMillis();
            if (e != null && "message".equals(e.type())) deliver(e.data());
          } catch (RuntimeException ex) {
            cancel();
            end(ex);
          }
        }

        @Override
        public void onError(Throwable t) {
          end(t);
        }

        @Override
        public void onComplete() {
          end(null);
        }
      };
    }

    void rejected(Throwable why) {
      refusal = why;
      end(why);
    }

    void end(Throwable err) {
      if (over.compareAndSet(false, true)) stream.ended(this, err);
    }

    void cancel() {
      over.set(true);
      Flow.Subscription s = subscription;
      if (s != null) s.cancel();
    }
  }
}
