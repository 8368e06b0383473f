package dev.maestro.tool.mcp;

import dev.maestro.platform.sse.SseEvent;
import dev.maestro.platform.sse.SseLines;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The Streamable HTTP wire of the stateless MCP revision 2026-07-28
 * (spec: docs/specification/2026-07-28/basic/transports/streamable-http.mdx, basic/versioning.mdx): every
 * request is its own POST carrying the protocol version, client info and capabilities in
 * {@code params._meta} and the {@code MCP-Protocol-Version}, {@code Mcp-Method} and {@code Mcp-Name}
 * headers; no session, no GET stream, no resumption. The answer is one JSON object or an SSE stream of
 * request-scoped notifications (progress) ending in the response. Disposing a request closes its stream,
 * which is how this revision cancels a request on HTTP. 401/403 surface as the SDK's
 * {@link McpHttpClientTransportAuthorizationException} so the OAuth handling is the same as for the
 * 2025 transports.
 */
final class StatelessHttpClient implements StatelessWire {
  private static final Logger LOG = LoggerFactory.getLogger(StatelessHttpClient.class);
  static final String VERSION = "2026-07-28";
  static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";
  static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
  static final String META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
  static final String META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
  static final String TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
  /** HeaderMismatch, MissingRequiredClientCapability, UnsupportedProtocolVersion: only a modern server says these. */
  static final Set<Integer> MODERN_ERRORS = Set.of(-32020, -32021, -32022);
  static final int UNSUPPORTED_VERSION = -32022;
  private static final Map<String, Object> CLIENT_INFO = Map.of("name", "maestro", "title", "Maestro", "version", "0.1.0");
  /** We take task handles for long calls, and answer elicitation (form) and roots input requests ({@link InputRequests}). */
  private static final Map<String, Object> CAPABILITIES = capabilities();

  private static Map<String, Object> capabilities() {
    Map<String, Object> c = new LinkedHashMap<>(InputRequests.capabilities());
    c.put("extensions", Map.of(TASKS_EXTENSION, Map.of()));
    return Map.copyOf(c);
  }
  private static final int MAX_EVENT_CHARS = 32 * 1024 * 1024;
  private static final int MAX_ERROR_BODY = 300;

  /** A JSON-RPC error answer (whatever the HTTP status). */
  static final class RpcError extends McpTransportException {
    final int httpStatus;
    final int code;
    final Object data;

    RpcError(int httpStatus, int code, String message, Object data) {
      super(message == null || message.isBlank() ? "JSON-RPC error " + code : message + " (JSON-RPC error " + code + ")");
      this.httpStatus = httpStatus;
      this.code = code;
      this.data = data;
    }

    /** A server of the 2026-07-28 revision (or later) answered: do not fall back to initialize. */
    boolean modern() {
      return MODERN_ERRORS.contains(code);
    }
  }

  /** An HTTP error without a JSON-RPC body: what a server of an earlier revision answers a modern request. */
  static final class HttpError extends McpTransportException {
    final int status;

    HttpError(int status, String detail) {
      super("HTTP " + status + " from the MCP server" + detail);
      this.status = status;
    }
  }

  private final HttpClient http;
  private final URI uri;
  private final Map<String, String> headers;
  private final McpJsonMapper mapper;
  /** Checks the URL against the outbound policy before every request (see {@link McpUrls}); blocking. */
  private final Runnable urlCheck;
  private final AtomicLong ids = new AtomicLong();

  StatelessHttpClient(URI uri, Map<String, String> headers, McpJsonMapper mapper, Duration connectTimeout, Runnable urlCheck) {
    this.uri = uri;
    this.headers = Map.copyOf(headers);
    this.mapper = mapper;
    this.urlCheck = urlCheck;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
  }

  @Override public McpJsonMapper mapper() {
    return mapper;
  }

  /**
   * One request; the Mono yields its {@code result} (a JSON object). {@code name} goes in {@code Mcp-Name}
   * (tools/call, resources/read, prompts/get, tasks/*) or is null. Notifications that arrive on the
   * request's stream go to {@code notifications}. Subscribe off the event loop (the URL check resolves
   * the name); disposing the subscription closes the stream (cancellation).
   */
  @Override public Mono<Map<String, Object>> request(String method, String name, Map<String, Object> params,
                                    Consumer<Map<String, Object>> notifications) {
    return request(method, name, params, Map.of(), notifications);
  }

  /**
   * {@code extraHeaders}: e.g. the Mcp-Param-* headers of a tools/call ({@link McpParamHeaders}). A request
   * refused with UnsupportedProtocolVersion while our version is among the {@code supported} ones is sent
   * once more (versioning.mdx: retry with a mutually supported version; ours is the only one we speak here).
   */
  @Override public Mono<Map<String, Object>> request(String method, String name, Map<String, Object> params,
                                    Map<String, String> extraHeaders, Consumer<Map<String, Object>> notifications) {
    return once(method, name, params, extraHeaders, notifications).onErrorResume(
        e -> e instanceof RpcError r && r.code == UNSUPPORTED_VERSION && supports(r.data),
        e -> once(method, name, params, extraHeaders, notifications));
  }

  /** Whether an UnsupportedProtocolVersion error's data lists our version. */
  static boolean supports(Object data) {
    return data instanceof Map<?, ?> d && d.get("supported") instanceof java.util.List<?> l
        && l.stream().anyMatch(v -> VERSION.equals(String.valueOf(v)));
  }

  private Mono<Map<String, Object>> once(String method, String name, Map<String, Object> params, Map<String, String> extraHeaders,
                                         Consumer<Map<String, Object>> notifications) {
    return Mono.create(sink -> {
      Exchange ex = new Exchange(ids.incrementAndGet(), sink, notifications);
      sink.onDispose(ex::cancel);
      try {
        ex.start(method, name, params, extraHeaders);
      } catch (RuntimeException | IOException e) {
        sink.error(e);
      }
    });
  }

  /** Mcp-Name / Mcp-Param value: as is when it is a plain header value, else the Base64 sentinel form. */
  static String headerValue(String v) {
    boolean plain = !v.isEmpty() && v.chars().allMatch(c -> c == 0x20 || c == 0x09 || (c >= 0x21 && c <= 0x7E))
        && !Character.isWhitespace(v.charAt(0)) && !Character.isWhitespace(v.charAt(v.length() - 1))
        && !(v.startsWith("=?base64?") && v.endsWith("?="));
    return plain ? v : "=?base64?" + Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)) + "?=";
  }

  /** The body of a request: params plus the per-request metadata this revision requires. */
  static Map<String, Object> body(long id, String method, Map<String, Object> params) {
    Map<String, Object> p = new LinkedHashMap<>(params == null ? Map.of() : params);
    Map<String, Object> meta = new LinkedHashMap<>();
    if (p.get("_meta") instanceof Map<?, ?> given) given.forEach((k, v) -> meta.put(String.valueOf(k), v));
    meta.put(META_VERSION, VERSION);
    meta.put(META_CLIENT_INFO, CLIENT_INFO);
    meta.put(META_CAPABILITIES, CAPABILITIES);
    p.put("_meta", meta);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("jsonrpc", "2.0");
    body.put("id", id);
    body.put("method", method);
    body.put("params", p);
    return body;
  }

  /** One request and its answer; completes the sink once. */
  private final class Exchange {
    final long id;
    final MonoSink<Map<String, Object>> sink;
    final Consumer<Map<String, Object>> notifications;
    final AtomicBoolean done = new AtomicBoolean();
    /** Answered (result or error): nothing to cancel. Mono.create disposes after completion too, and aborting an
     *  exchange whose connection has gone back to the pool would break the next request on it. */
    volatile boolean settled;
    volatile CompletableFuture<HttpResponse<Void>> sent;
    volatile Flow.Subscription body;

    Exchange(long id, MonoSink<Map<String, Object>> sink, Consumer<Map<String, Object>> notifications) {
      this.id = id;
      this.sink = sink;
      this.notifications = notifications == null ? n -> { } : notifications;
    }

    void start(String method, String name, Map<String, Object> params, Map<String, String> extraHeaders) throws IOException {
      String json = mapper.writeValueAsString(body(id, method, params));
      urlCheck.run();
      HttpRequest.Builder b = HttpRequest.newBuilder(uri);
      headers.forEach(b::header);
      b.header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
          .header("MCP-Protocol-Version", VERSION).header("Mcp-Method", method);
      if (name != null) b.header("Mcp-Name", headerValue(name));
      extraHeaders.forEach(b::header);
      CompletableFuture<HttpResponse<Void>> f = http.sendAsync(b.POST(HttpRequest.BodyPublishers.ofString(json)).build(), this::answer);
      sent = f;
      f.whenComplete((r, err) -> {
        if (err != null) fail(transportError(err));
        else fail(new McpTransportException("the MCP server ended the answer to request " + id + " without a response"));
      });
    }

    BodySubscriber<Void> answer(HttpResponse.ResponseInfo info) {
      int status = info.statusCode();
      if (status == 401 || status == 403) {
        fail(new McpHttpClientTransportAuthorizationException("HTTP " + status + " from the MCP server", info));
        return BodySubscribers.discarding();
      }
      String type = info.headers().firstValue("content-type").orElse("").toLowerCase(java.util.Locale.ROOT).trim();
      if (status / 100 == 2 && type.startsWith("text/event-stream")) return BodySubscribers.fromLineSubscriber(new Lines());
      return BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), text -> {
        whole(status, text);
        return null;
      });
    }

    /** A JSON body (or anything else a server answered). */
    void whole(int status, String text) {
      Map<String, Object> msg = parse(text);
      if (msg != null && (msg.containsKey("result") || msg.containsKey("error"))) {
        message(status, msg);
        return;
      }
      String detail = text == null || text.isBlank() ? ""
          : ": " + (text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) + "…" : text);
      fail(status / 100 == 2 ? new McpTransportException("the MCP server answered request " + id + " with no JSON-RPC response" + detail)
          : new HttpError(status, detail));
    }

    /** A response (ours) or a notification for this request. */
    @SuppressWarnings("unchecked")
    void message(int status, Map<String, Object> msg) {
      if (msg.containsKey("method") && !msg.containsKey("id")) {
        notifications.accept(msg);
        return;
      }
      if (msg.get("error") instanceof Map<?, ?> e) {
        Object code = e.get("code");
        fail(new RpcError(status, code instanceof Number n ? n.intValue() : -32603,
            e.get("message") == null ? null : String.valueOf(e.get("message")), e.get("data")));
        return;
      }
      if (!String.valueOf(msg.get("id")).equals(String.valueOf(id))) {
        LOG.debug("MCP server {} answered an id that is not ours: {}", uri, msg.get("id"));
        return;
      }
      Object result = msg.get("result");
      if (done.compareAndSet(false, true)) {
        settled = true;
        sink.success(result instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
      }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> parse(String text) {
      if (text == null || text.isBlank()) return null;
      try {
        Object o = mapper.readValue(text, Map.class);
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    void fail(Throwable err) {
      if (done.compareAndSet(false, true)) {
        settled = true;
        sink.error(err);
      }
    }

    /** Closes the stream: the server treats that as cancellation of the request. */
    void cancel() {
      if (settled) return;
      done.set(true);
      Flow.Subscription s = body;
      if (s != null) s.cancel();
      CompletableFuture<HttpResponse<Void>> f = sent;
      if (f != null) f.cancel(true);
    }

    private Throwable transportError(Throwable err) {
      Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (t instanceof McpTransportException || t instanceof McpUrls.Refused) return t;
      String msg = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
      return new McpTransportException("cannot reach the MCP server " + uri + ": " + msg, t);
    }

    /** The SSE answer, line by line. */
    private final class Lines implements Flow.Subscriber<String> {
      private final SseLines sse = new SseLines(MAX_EVENT_CHARS);

      @Override public void onSubscribe(Flow.Subscription s) {
        body = s;
        if (done.get()) s.cancel();
        else s.request(Long.MAX_VALUE);
      }

      @Override public void onNext(String line) {
        SseEvent e;
        try {
          e = sse.line(line);
        } catch (RuntimeException tooLarge) {
          fail(new McpTransportException("the MCP server sent an event larger than allowed"));
          cancel();
          return;
        }
        if (e == null) return;
        Map<String, Object> msg = parse(e.data());
        if (msg == null) return;
        message(200, msg);
        if (done.get()) body.cancel();   // our response came: the stream has nothing more for us
      }

      @Override public void onError(Throwable t) {
        fail(transportError(t));
      }

      @Override public void onComplete() {
        fail(new McpTransportException("the MCP server closed the stream of request " + id + " without a response"));
      }
    }
  }
}
