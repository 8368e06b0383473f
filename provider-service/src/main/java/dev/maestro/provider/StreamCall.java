package dev.maestro.provider;

import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.platform.net.OutboundRefusedException;
import dev.maestro.platform.sse.SseParser;
import dev.maestro.provider.wire.ByteSseParser;
import dev.maestro.provider.wire.Credential;
import dev.maestro.provider.wire.ErrorClassifier;
import dev.maestro.provider.wire.EventSink;
import dev.maestro.provider.wire.StreamDecoder;
import dev.maestro.provider.wire.UpstreamError;
import dev.maestro.provider.wire.UpstreamRequest;
import dev.maestro.provider.wire.WireAdapter;
import dev.maestro.provider.wire.Wires;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One streamed completion: opens the upstream request (through the endpoint's circuit breaker),
 * decodes the SSE body into normalized events, retries failures that happen before anything was
 * forwarded (429 / 5xx / 529 / connection errors, honouring Retry-After, exponential backoff with
 * jitter otherwise), refreshes an OAuth credential once on a 401, watches the first-byte and idle
 * timeouts, and closes the socket at once on cancel. Runs entirely on one event-loop context.
 */
final class StreamCall {
  private static final Logger LOG = LoggerFactory.getLogger(StreamCall.class);

  private final Vertx vertx;
  private final Context context;
  private final ProviderSettings settings;
  private final HttpClient client;
  private final OutboundHttp outbound;
  private final CircuitBreaker breaker;
  private final WireAdapter adapter;
  private final Credentials credentials;
  private final ChatRequest request;
  private final String baseUrl;
  private final BusSink sink;
  private Credential credential;
  private int attempts;
  private boolean refreshed;
  private HttpClientRequest current;
  private long watchdog = -1;
  private long retryTimer = -1;
  /** Bumped whenever an attempt is abandoned, so late callbacks of its connection are ignored. */
  private int generation;
  private long lastActivity;
  private Promise<Opened> opening;

  StreamCall(Vertx vertx, ProviderSettings settings, HttpClient client, OutboundHttp outbound, CircuitBreaker breaker,
             WireAdapter adapter, Credentials credentials, ChatRequest request, Credential credential, String baseUrl, BusSink sink) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.settings = settings;
    this.client = client;
    this.outbound = outbound;
    this.breaker = breaker;
    this.adapter = adapter;
    this.credentials = credentials;
    this.request = request;
    this.credential = credential;
    this.baseUrl = baseUrl;
    this.sink = sink;
  }

  void start() {
    attempt();
  }

  /** Closes the upstream connection now and ends the stream with error/cancelled. */
  void cancel() {
    context.runOnContext(v -> {
      if (sink.terminated()) return;
      closeUpstream();
      sink.error(ProviderEvents.CANCELLED, "cancelled by the caller");
    });
  }

  private void closeUpstream() {
    if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
    abandon();
  }

  /** Drops the current attempt: its timers stop and its connection closes; its callbacks are ignored. */
  private void abandon() {
    generation++;
    disarm();
    Promise<Opened> o = opening;
    opening = null;
    // still waiting for a pooled connection: settle it so the request is never sent
    if (o != null) o.tryComplete(new Opened(null, null));
    HttpClientRequest r = current;
    current = null;
    if (r != null) {
      // HTTP/1.x: reset closes the TCP connection, so the provider stops generating at once
      r.reset();
      if (r.connection() != null) r.connection().close();
    }
  }

  private void attempt() {
    if (sink.terminated()) return;
    attempts++;
    int gen = ++generation;
    UpstreamRequest up = adapter.streamRequest(request, credential, baseUrl);
    AttemptSink attemptSink = new AttemptSink();
    StreamDecoder decoder = adapter.decoder(attemptSink);
    // every attempt resolves and checks again, and connects to exactly the address it checked
    outbound.check(up.url()).onComplete(checked -> {
      if (sink.terminated() || gen != generation) return;
      if (checked.failed()) {
        if (checked.cause() instanceof OutboundRefusedException refused && refused.rule() != OutboundRefusedException.Rule.UNRESOLVED) {
          sink.error(ProviderEvents.BAD_REQUEST, "base URL " + refused.getMessage());
        } else {
          // a name that does not resolve (now) is a connection failure like any other: retried, then reported
          onFailure(UpstreamError.transport(UpstreamError.CONNECTION, "cannot reach " + adapter.name() + " at "
              + UpstreamClients.origin(up.url()) + ": the host does not resolve"));
        }
        return;
      }
      send(up, checked.result(), decoder, gen);
    });
  }

  private void send(UpstreamRequest up, OutboundPolicy.Checked checked, StreamDecoder decoder, int gen) {
    breaker.<Opened>execute(() -> open(up, checked))
        .onSuccess(opened -> {
          if (sink.terminated() || gen != generation || (opened.response == null && opened.error == null)) {
            if (opened.response != null) opened.response.request().reset();
            return;
          }
          if (opened.error != null) onFailure(opened.error);
          else pipe(opened.response, decoder, gen);
        })
        .onFailure(err -> {
          if (sink.terminated() || gen != generation) return;
          if (err instanceof OpenCircuitException) {
            sink.error(ProviderEvents.UPSTREAM_UNAVAILABLE, adapter.name() + " endpoint is failing (circuit open); try again later");
          } else if (err instanceof UpstreamFailure uf) {
            onFailure(uf.error);
          } else {
            onFailure(UpstreamError.transport(UpstreamError.CONNECTION, String.valueOf(err.getMessage())));
          }
        });
  }

  /** The result of opening: a 2xx response to read, or a provider error that does not mean "down". */
  private record Opened(HttpClientResponse response, UpstreamError error) {}

  /** A failure that counts against the circuit breaker. */
  private static final class UpstreamFailure extends RuntimeException {
    final UpstreamError error;

    UpstreamFailure(UpstreamError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }
  }

  private Future<Opened> open(UpstreamRequest up, OutboundPolicy.Checked checked) {
    Promise<Opened> promise = Promise.promise();
    opening = promise;
    promise.future().onComplete(ar -> {
      if (opening == promise) opening = null;
    });
    arm(settings.firstByteTimeoutMs(), () -> {
      HttpClientRequest r = current;
      current = null;
      // fail first: the reset below fails the request future synchronously with "Stream reset"
      promise.tryFail(new UpstreamFailure(UpstreamError.transport(UpstreamError.TIMEOUT,
          "no response from " + adapter.name() + " within " + settings.firstByteTimeoutMs() + " ms")));
      if (r != null) r.reset();
    });
    RequestOptions options = OutboundHttp.pin(new RequestOptions().setMethod(up.method()).setAbsoluteURI(up.url())
        .setHeaders(up.headers()), checked);
    client.request(options)
        .compose(req -> {
          if (promise.future().isComplete()) {
            req.reset();
            return Future.failedFuture("abandoned");
          }
          current = req;
          return up.body() == null ? req.send() : req.send(up.body());
        })
        .onSuccess(resp -> {
          if (promise.future().isComplete()) return;
          if (resp.statusCode() / 100 == 2) {
            resp.pause(); // handlers are set in pipe(); nothing may be read before
            promise.tryComplete(new Opened(resp, null));
            return;
          }
          boundedBody(resp).onComplete(ar -> {
            disarm();
            UpstreamError e = adapter.parseError(resp.statusCode(), resp.headers(), ar.succeeded() ? ar.result() : null);
            if (ErrorClassifier.classify(e).countsForBreaker()) promise.tryFail(new UpstreamFailure(e));
            else promise.tryComplete(new Opened(null, e));
          });
        })
        .onFailure(err -> {
          disarm();
          String type = err instanceof TimeoutException || String.valueOf(err.getMessage()).toLowerCase().contains("timed out")
              ? UpstreamError.TIMEOUT : UpstreamError.CONNECTION;
          promise.tryFail(new UpstreamFailure(UpstreamError.transport(type,
              "cannot reach " + adapter.name() + " at " + UpstreamClients.origin(up.url()) + ": " + err.getMessage())));
        });
    return promise.future();
  }

  /** Error bodies are read up to the line cap; past it the connection is dropped, the head is kept. */
  private Future<Buffer> boundedBody(HttpClientResponse resp) {
    Promise<Buffer> body = Promise.promise();
    Buffer acc = Buffer.buffer();
    int cap = settings.maxSseLineBytes();
    resp.handler(buf -> {
      if (body.future().isComplete()) return;
      if (acc.length() + buf.length() > cap) {
        acc.appendBuffer(buf, 0, cap - acc.length());
        body.tryComplete(acc);
        resp.request().reset();
        if (resp.request().connection() != null) resp.request().connection().close();
        return;
      }
      acc.appendBuffer(buf);
    });
    resp.exceptionHandler(err -> body.tryFail(err));
    resp.endHandler(v -> body.tryComplete(acc));
    return body.future();
  }

  private void pipe(HttpClientResponse resp, StreamDecoder decoder, int gen) {
    // a fresh parser per attempt: nothing of a broken stream can leak into the next one; it hands the
    // decoder each event's data as bytes, so text deltas are read without a String per line or a tree
    ByteSseParser parser = new ByteSseParser(decoder::onEvent, settings.maxSseLineBytes());
    long[] received = {0};
    lastActivity = System.nanoTime();
    arm(settings.idleTimeoutMs(), this::onIdleCheck);
    resp.handler(buf -> {
      if (sink.terminated() || gen != generation) return;
      // no timer churn per chunk: the idle timer re-arms itself from the last activity
      lastActivity = System.nanoTime();
      received[0] += buf.length();
      if (received[0] > settings.maxResponseBytes()) {
        tooLarge("a response longer than " + settings.maxResponseBytes() + " bytes (" + ProviderSettings.MAX_RESPONSE_BYTES + ")");
        return;
      }
      try {
        parser.feed(buf);
      } catch (SseParser.TooLarge e) {
        if (gen == generation) tooLarge(e.getMessage() + " (" + ProviderSettings.MAX_SSE_LINE_BYTES + ")");
      }
    });
    resp.exceptionHandler(err -> {
      if (sink.terminated() || gen != generation) return;
      abandon();
      onFailure(UpstreamError.transport(UpstreamError.STREAM_CUT, "stream from " + adapter.name() + " broke: " + err.getMessage()));
    });
    resp.endHandler(v -> {
      if (sink.terminated() || gen != generation) return;
      disarm();
      parser.end();
      decoder.onEnd();
    });
    resp.resume();
  }

  /**
   * The provider sent more than we accept. The connection is closed (never handed back to the pool
   * with unread bytes, which would poison the next request on it) and the turn ends with a provider
   * error; not retried: the same request would most likely get the same answer.
   */
  private void tooLarge(String what) {
    if (sink.terminated()) return;
    abandon();
    LOG.warn("{} sent {}: stream {} stopped", adapter.name(), what, sink.streamId());
    sink.error(ProviderEvents.UPSTREAM_UNAVAILABLE, adapter.name() + " sent " + what + "; this turn was stopped");
  }

  private void onIdleCheck() {
    long idleNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs());
    long remaining = lastActivity + idleNanos - System.nanoTime();
    if (remaining > 0) arm(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)), this::onIdleCheck);
    else onIdle();
  }

  private void onIdle() {
    if (sink.terminated()) return;
    abandon();
    onFailure(UpstreamError.transport(UpstreamError.TIMEOUT,
        adapter.name() + " sent nothing for " + settings.idleTimeoutMs() + " ms"));
  }

  private void onFailure(UpstreamError e) {
    if (sink.terminated()) return;
    ErrorClassifier.Classified c = ErrorClassifier.classify(e);
    if (e.status() == 401 && credential.bearer() && !refreshed && !sink.forwarded()) {
      refreshed = true;
      LOG.info("401 from {} for credential {}: refreshing once", adapter.name(), credential.id());
      credentials.refresh(credential.id()).onComplete(ar -> {
        if (sink.terminated()) return;
        if (ar.succeeded()) {
          credential = ar.result();
          attempt();
        } else {
          sink.error(ProviderEvents.AUTH_FAILED, "credential refresh failed: " + ar.cause().getMessage());
        }
      });
      return;
    }
    if (c.retryable() && !sink.forwarded() && attempts <= settings.maxRetries()) {
      long delay = delay(e);
      if (delay <= settings.maxRetryAfterMs()) {
        LOG.info("{} failed ({} {}: {}), retry {}/{} in {} ms", adapter.name(), e.status(), c.code(), e.message(),
            attempts, settings.maxRetries(), delay);
        retryTimer = vertx.setTimer(Math.max(1, delay), t -> {
          retryTimer = -1;
          attempt();
        });
        return;
      }
    }
    sink.error(c.code(), message(e));
  }

  private long delay(UpstreamError e) {
    if (e.retryAfterMs() != null) return e.retryAfterMs();
    long exp = Math.min(settings.retryMaxMs(), settings.retryBaseMs() << Math.min(20, attempts - 1));
    double jitter = 1 - 0.25 * ThreadLocalRandom.current().nextDouble();
    return (long) (exp * jitter);
  }

  private String message(UpstreamError e) {
    if (e.status() <= 0) return e.message() == null || e.message().isBlank() ? "upstream error" : e.message();
    // a provider's own error message when it sent one in its JSON error shape; never a raw foreign body
    String m = Wires.errorMessage(e.message());
    return adapter.name() + " " + e.status() + ": "
        + (m.isEmpty() ? "the server at " + UpstreamClients.origin(baseUrl) + " answered " + e.status() : m);
  }

  private void arm(long ms, Runnable onFire) {
    disarm();
    if (ms > 0) {
      watchdog = vertx.setTimer(ms, t -> {
        watchdog = -1;
        onFire.run();
      });
    }
  }

  private void disarm() {
    if (watchdog >= 0) {
      vertx.cancelTimer(watchdog);
      watchdog = -1;
    }
  }

  /** Forwards decoded events to the bus; in-stream failures go through the retry decision. */
  private final class AttemptSink implements EventSink {
    private final String id = sink.streamId();

    @Override
    public void text(String text) {
      sink.emit(dev.maestro.platform.HopStamps.provider(ProviderEvents.text(id, text)));
    }

    @Override
    public void thinking(String text) {
      sink.emit(ProviderEvents.thinking(id, text));
    }

    @Override
    public void thinkingSignature(String signature) {
      sink.emit(ProviderEvents.thinkingSignature(id, signature));
    }

    @Override
    public void redactedThinking(String data) {
      sink.emit(ProviderEvents.redactedThinking(id, data));
    }

    @Override
    public void toolCall(String callId, String name, JsonObject arguments, String signature) {
      JsonObject ev = ProviderEvents.toolCall(id, callId, name, arguments);
      if (signature != null) ev.put("signature", signature);
      sink.emit(ev);
    }

    @Override
    public void usage(long input, long output, long cacheRead, long cacheWrite) {
      sink.emit(ProviderEvents.usage(id, input, output, cacheRead, cacheWrite));
    }

    @Override
    public void done(String stopReason, String raw) {
      disarm();
      current = null;
      sink.done(stopReason, raw);
    }

    @Override
    public void fail(UpstreamError error) {
      // an in-stream error or a cut: drop this connection, then retry or report
      abandon();
      onFailure(error);
    }
  }
}
