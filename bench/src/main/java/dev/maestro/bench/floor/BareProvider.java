package dev.maestro.bench.floor;

import dev.maestro.platform.Settings;
import dev.maestro.platform.sse.SseEvent;
import dev.maestro.platform.sse.SseParser;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * P of the bare chain: what provider-service must do at least. On a start request it POSTs a streaming
 * chat completion to the upstream with the Vert.x HTTP client, parses the SSE stream with the platform's
 * {@link SseParser}, decodes each event's JSON (the delta's text is inside it) and sends the text over the
 * event bus, one send per chunk. No credentials, no model table, no usage accounting, no watchdog.
 */
final class BareProvider extends VerticleBase {
  private static final Buffer REQUEST = Buffer.buffer(new JsonObject().put("model", "gpt-4o-mini").put("stream", true)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "go"))).encode());

  private HttpClient upstream;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    int port = settings.integer(FloorBus.UPSTREAM_PORT, 0, 1, 65535);
    if (port == 0) return Future.failedFuture(FloorBus.UPSTREAM_PORT + " is not set: the fake upstream's port");
    // one connection per concurrent stream, as the bench sizes MAESTRO_PROVIDER_POOL_SIZE for provider-service
    upstream = vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true)
        .setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(settings.integer(FloorBus.UPSTREAM_POOL, 200, 1, Integer.MAX_VALUE)));
    EventBus bus = vertx.eventBus();
    return Future.all(
        bus.<String>consumer(FloorBus.PROVIDER_PING, m -> m.reply("pong")).completion(),
        bus.<String>consumer(FloorBus.PROVIDER_START, m -> {
          String body = m.body();
          int tab = body.indexOf('\t');
          String turn = body.substring(0, tab);
          String replyTo = body.substring(tab + 1);
          upstream.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
                  .putHeader("content-type", "application/json").putHeader("authorization", "Bearer sk-floor")
                  .putHeader("accept", "text/event-stream"))
              .compose(req -> req.send(REQUEST))
              .onSuccess(resp -> {
                if (resp.statusCode() != 200) {
                  m.fail(502, "upstream HTTP " + resp.statusCode());
                  return;
                }
                m.reply("open");
                SseParser sse = new SseParser(ev -> relay(bus, replyTo, turn, ev));
                resp.handler(sse::feed);
                resp.endHandler(v -> bus.send(replyTo, "e" + turn + "\t"));
                resp.exceptionHandler(e -> bus.send(replyTo, "x" + turn + "\t" + e));
              })
              .onFailure(e -> m.fail(502, String.valueOf(e)));
        }).completion());
  }

  /** One SSE event: its JSON decoded, the delta's text (if any) sent on as one bus message. */
  static void relay(EventBus bus, String replyTo, String turn, SseEvent ev) {
    String data = ev.data();
    if (data == null || data.isEmpty() || "[DONE]".equals(data)) return;
    JsonArray choices = new JsonObject(data).getJsonArray("choices");
    if (choices == null || choices.isEmpty()) return;
    JsonObject delta = choices.getJsonObject(0).getJsonObject("delta");
    String text = delta == null ? null : delta.getString("content");
    if (text != null && !text.isEmpty()) bus.send(replyTo, "d" + turn + "\t" + text);
  }
}
