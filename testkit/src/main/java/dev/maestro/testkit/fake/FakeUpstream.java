package dev.maestro.testkit.fake;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of the providers' clouds, speaking their exact wire formats over real HTTP:
 * <ul>
 *   <li>{@code POST /v1/messages} (Anthropic Messages, SSE),</li>
 *   <li>{@code POST /v1/chat/completions} (OpenAI Chat Completions; any prefix ending so, for
 *       openai-compatible base URLs),</li>
 *   <li>{@code POST /v1/responses} (OpenAI Responses API),</li>
 *   <li>{@code POST /v1beta/models/{model}:streamGenerateContent?alt=sse} (Gemini),</li>
 *   <li>{@code GET /v1/models} (OpenAI shape, or Anthropic's when {@code anthropic-version} is sent)
 *       and {@code GET /v1beta/models} (Gemini).</li>
 * </ul>
 * Every request needs a key ({@code x-api-key}, {@code Authorization: Bearer}, {@code x-goog-api-key}
 * or {@code ?key=}); any key is accepted except one starting with {@code bad}, which gets a 401 in the
 * provider's error shape. A generation request is answered by the next queued {@link FakeReply}
 * ({@link #enqueue}) or, when none is queued, by the deterministic {@link DemoScript}.
 *
 * <p>Base URLs: Anthropic and Gemini use {@link #baseUrl()}, OpenAI and openai-compatible
 * {@link #openAiBaseUrl()} ({@code …/v1}). Run it standalone with {@link FakeUpstreamMain}.
 */
public final class FakeUpstream {
  private static final Pattern GEMINI_STREAM = Pattern.compile("/v1beta/models/([^/:]+):streamGenerateContent");

  private final Vertx vertx;
  private final HttpServer server;
  private final Queue<FakeReply> queue = new ConcurrentLinkedQueue<>();
  private final List<FakeRequest> requests = new CopyOnWriteArrayList<>();
  private final Map<HttpConnection, Promise<Long>> connections = new ConcurrentHashMap<>();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final Wire anthropic = new AnthropicWire();
  private final Wire chat = new OpenAiChatWire();
  private final Wire responses = new OpenAiResponsesWire();
  private final Wire gemini = new GeminiWire();
  private volatile boolean recording = true;

  private FakeUpstream(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setTcpNoDelay(true));
  }

  /** Starts on 127.0.0.1:port (0 = a random free port). */
  public static Future<FakeUpstream> start(Vertx vertx, int port) {
    return start(vertx, "127.0.0.1", port);
  }

  public static Future<FakeUpstream> start(Vertx vertx, String host, int port) {
    FakeUpstream fake = new FakeUpstream(vertx);
    fake.server.connectionHandler(fake::onConnection).requestHandler(fake::onRequest);
    return fake.server.listen(port, host).map(s -> fake);
  }

  public int port() {
    return server.actualPort();
  }

  /** Anthropic / Gemini base URL (no version path). */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** OpenAI / openai-compatible base URL (with {@code /v1}). */
  public String openAiBaseUrl() {
    return baseUrl() + "/v1";
  }

  /** Queues a reply for the next generation request (any wire format). */
  public FakeUpstream enqueue(FakeReply reply) {
    queue.add(reply);
    return this;
  }

  public FakeUpstream clearQueue() {
    queue.clear();
    return this;
  }

  /** Keeps request records off (benchmarks). */
  public FakeUpstream recording(boolean on) {
    this.recording = on;
    return this;
  }

  public List<FakeRequest> requests() {
    return new ArrayList<>(requests);
  }

  public FakeRequest lastRequest() {
    return requests.isEmpty() ? null : requests.get(requests.size() - 1);
  }

  public void clearRequests() {
    requests.clear();
  }

  public int openConnections() {
    return openConnections.get();
  }

  public Future<Void> close() {
    return server.close();
  }

  private void onConnection(HttpConnection conn) {
    Promise<Long> closed = Promise.promise();
    connections.put(conn, closed);
    openConnections.incrementAndGet();
    conn.closeHandler(v -> {
      long now = System.nanoTime();
      openConnections.decrementAndGet();
      connections.remove(conn);
      closed.tryComplete(now);
    });
  }

  private void onRequest(HttpServerRequest req) {
    req.body().onSuccess(body -> dispatch(req, body)).onFailure(err -> {
      if (!req.response().ended()) req.response().setStatusCode(400).end();
    });
  }

  private void dispatch(HttpServerRequest req, Buffer raw) {
    String path = req.path();
    HttpServerResponse resp = req.response();
    if ("GET".equals(req.method().name())) {
      if (path.equals("/v1/models")) {
        models(req, req.getHeader("anthropic-version") != null ? anthropic : chat);
      } else if (path.equals("/v1beta/models")) {
        models(req, gemini);
      } else {
        notFound(resp);
      }
      return;
    }
    Wire wire;
    String model;
    JsonObject body;
    try {
      body = raw.length() == 0 ? new JsonObject() : raw.toJsonObject();
    } catch (DecodeException e) {
      resp.setStatusCode(400).putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", new JsonObject().put("message", "invalid JSON body")).encode());
      return;
    }
    Matcher gm = GEMINI_STREAM.matcher(path);
    if (path.equals("/v1/messages")) {
      wire = anthropic;
      model = body.getString("model", "claude-fake");
    } else if (path.endsWith("/chat/completions")) {
      wire = chat;
      model = body.getString("model", "gpt-fake");
    } else if (path.endsWith("/responses")) {
      wire = responses;
      model = body.getString("model", "gpt-fake");
    } else if (gm.matches()) {
      wire = gemini;
      model = gm.group(1);
    } else {
      notFound(resp);
      return;
    }
    if (recording) requests.add(record(req, wire, body));
    String key = wire.apiKey(req);
    if (key == null || key.startsWith("bad")) {
      sendError(req, wire, FakeReply.error(401));
      return;
    }
    FakeReply reply = queue.poll();
    if (reply == null) reply = DemoScript.reply(wire.read(body));
    if (reply.isError()) {
      FakeReply r = reply;
      after(r.headersDelayMs, () -> sendError(req, wire, r));
    } else {
      FakeReply r = reply;
      after(r.headersDelayMs, () -> sendStream(req, wire, r, body, model));
    }
  }

  private void after(long ms, Runnable action) {
    if (ms <= 0) action.run();
    else vertx.setTimer(ms, t -> action.run());
  }

  private FakeRequest record(HttpServerRequest req, Wire wire, JsonObject body) {
    Promise<Long> closed = connections.get(req.connection());
    Future<Long> closedFuture = closed != null ? closed.future() : Future.succeededFuture(System.nanoTime());
    String wireName = wire == anthropic ? "anthropic" : wire == chat ? "openai-chat" : wire == responses ? "openai-responses" : "gemini";
    return new FakeRequest(wireName, req.method().name(), req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.params()),
        MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body, System.nanoTime(), closedFuture);
  }

  private void models(HttpServerRequest req, Wire wire) {
    String key = wire.apiKey(req);
    if (key == null || key.startsWith("bad")) {
      sendError(req, wire, FakeReply.error(401));
      return;
    }
    req.response().putHeader("content-type", "application/json").end(wire.models().encode());
  }

  private void notFound(HttpServerResponse resp) {
    resp.setStatusCode(404).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("message", "not found").put("code", 404)).encode());
  }

  private void sendError(HttpServerRequest req, Wire wire, FakeReply reply) {
    HttpServerResponse resp = req.response();
    JsonObject body = wire.errorBody(reply.status, reply.errorMessage, reply.errorType);
    resp.setStatusCode(reply.status).putHeader("content-type", "application/json");
    reply.headers.forEach((name, value) -> {
      if (wire == gemini && name.equalsIgnoreCase("retry-after")) GeminiWire.withRetryInfo(body, value);
      else resp.putHeader(name, value);
    });
    if (wire == anthropic) resp.putHeader("request-id", body.getString("request_id"));
    resp.end(body.encode());
  }

  private void sendStream(HttpServerRequest req, Wire wire, FakeReply reply, JsonObject body, String model) {
    HttpServerResponse resp = req.response();
    if (resp.closed()) return;
    List<String> events = new ArrayList<>(wire.render(reply.turn, body, model));
    if (reply.stampTextChunks) stampify(events, reply.turn);
    if (reply.midStreamError != null) {
      int n = Math.min(reply.midStreamErrorAfterEvents, events.size());
      events = new ArrayList<>(events.subList(0, n));
      events.add(wire.midStreamError(reply.midStreamError));
    }
    resp.setStatusCode(200).setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache");
    if (wire == anthropic) resp.putHeader("request-id", "req_fake_" + Wire.nextId());
    else if (wire != gemini) resp.putHeader("x-request-id", "req_fake_" + Wire.nextId());
    reply.headers.forEach(resp::putHeader);
    new StreamWriter(req, resp, events, reply).next(0);
  }

  /** Replaces text-chunk contents by a placeholder that becomes the write-time nanoTime. */
  private static void stampify(List<String> events, FakeTurn turn) {
    for (FakeTurn.Block b : turn.blocks()) {
      if (b instanceof FakeTurn.Text t) {
        for (String chunk : t.chunks()) {
          String needle = new JsonObject().put("x", chunk).encode();
          needle = needle.substring(5, needle.length() - 1);
          for (int i = 0; i < events.size(); i++) {
            String e = events.get(i);
            int at = e.indexOf(needle);
            if (at >= 0 && !e.contains("output_text.done") && !e.contains("content_part.done")
                && !e.contains("output_item.done") && !e.contains("response.completed")) {
              events.set(i, e.substring(0, at) + "\"" + Wire.STAMP + "\"" + e.substring(at + needle.length()));
              break;
            }
          }
        }
      }
    }
  }

  /** Writes events one by one with the reply's pacing, fragmentation and cut. */
  private final class StreamWriter {
    private final HttpServerRequest req;
    private final HttpServerResponse resp;
    private final List<String> events;
    private final FakeReply reply;

    StreamWriter(HttpServerRequest req, HttpServerResponse resp, List<String> events, FakeReply reply) {
      this.req = req;
      this.resp = resp;
      this.events = events;
      this.reply = reply;
    }

    void next(int i) {
      while (true) {
        if (resp.closed()) return;
        if (i == reply.cutAfterEvents) {
          req.connection().close();
          return;
        }
        if (i >= events.size()) {
          resp.end();
          return;
        }
        write(events.get(i));
        i++;
        long delay = i == reply.stallAfterEvents ? reply.stallMs : reply.chunkDelayMs;
        if (delay > 0 && i < events.size()) {
          int n = i;
          vertx.setTimer(delay, t -> next(n));
          return;
        }
      }
    }

    private void write(String event) {
      if (event.contains(Wire.STAMP)) event = event.replace(Wire.STAMP, Long.toString(reply.stampClock.getAsLong()));
      byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
      if (reply.fragmentBytes <= 0) {
        resp.write(Buffer.buffer(bytes));
        return;
      }
      for (int off = 0; off < bytes.length; off += reply.fragmentBytes) {
        int len = Math.min(reply.fragmentBytes, bytes.length - off);
        resp.write(Buffer.buffer().appendBytes(bytes, off, len));
      }
    }
  }
}
