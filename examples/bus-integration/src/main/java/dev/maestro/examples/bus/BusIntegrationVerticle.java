package dev.maestro.examples.bus;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to {@code maestro.events} (BUS.md): posts a line for each completed turn and each approval
 * waiting to {@value #WEBHOOK_URL} as {@code {"text": line}} (the shape Slack, Mattermost and Discord-
 * compatible incoming webhooks take), and keeps per-user usage counters, answered on {@value #USAGE_ADDRESS}.
 * Posting is best effort (a line that cannot be posted is logged): for delivery that survives a
 * receiver being down, use Maestro's own webhooks, which keep an outbox.
 */
public final class BusIntegrationVerticle extends VerticleBase {
  /** Where lines go (none: only the counters are kept). */
  public static final String WEBHOOK_URL = "BUS_INTEGRATION_WEBHOOK_URL";
  /** This integration's own request address (an integrator's addresses never start with "maestro."). */
  public static final String USAGE_ADDRESS = "bus-integration.usage";

  private static final Logger LOG = LoggerFactory.getLogger(BusIntegrationVerticle.class);

  private final UsageCounters counters = new UsageCounters();
  private HttpClient http;
  private String webhook;
  private MessageConsumer<JsonObject> events;
  private MessageConsumer<JsonObject> usage;

  @Override
  public Future<?> start() {
    webhook = config().getString(WEBHOOK_URL, System.getenv(WEBHOOK_URL));
    http = vertx.createHttpClient();
    events = vertx.eventBus().consumer(Addresses.EVENTS, m -> onEvent(m.body()));
    usage = vertx.eventBus().consumer(USAGE_ADDRESS, m -> m.reply(counters.snapshot()));
    return Future.all(events.completion(), usage.completion());
  }

  private void onEvent(JsonObject event) {
    // only version 1 is understood; unknown types and fields are ignored (BUS.md, Versioning)
    if (event == null || event.getInteger("version", 0) != IntegrationEvents.VERSION) return;
    if (IntegrationEvents.TURN_COMPLETED.equals(event.getString("type")) && event.getString("userId") != null) {
      counters.add(event.getString("userId"), event.getJsonObject("data", new JsonObject()).getJsonObject("usage", new JsonObject()));
    }
    String line = Lines.of(event);
    if (line != null && webhook != null) post(line);
  }

  private void post(String line) {
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(webhook).setTimeout(10_000)
            .putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(Buffer.buffer(new JsonObject().put("text", line).encode())))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onSuccess(status -> {
          if (status / 100 != 2) LOG.warn("the webhook answered {} to a line", status);
        })
        .onFailure(err -> LOG.warn("cannot post a line to the webhook: {}", err.getMessage()));
  }

  @Override
  public Future<?> stop() {
    return Future.join(events == null ? Future.succeededFuture() : events.unregister(),
            usage == null ? Future.succeededFuture() : usage.unregister())
        .eventually(() -> http == null ? Future.succeededFuture() : http.close());
  }
}
