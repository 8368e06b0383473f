package dev.maestro.gateway.webhooks;

import dev.maestro.contracts.Addresses;
import dev.maestro.platform.Retry;
import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundRefusedException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves the public events of {@code maestro.events} to the webhooks: every event is first written to
 * the outbox ({@link WebhookStore#enqueue}), then sent from there, so a receiver that is down gets
 * its events later, in order. A send is a signed JSON POST ({@link WebhookSigner}) to the address the
 * outbound policy checked (the URL is checked again on every attempt: its name may resolve elsewhere
 * by then); any 2xx is delivered, anything else is retried with exponential backoff until the
 * attempts run out. Nothing a receiver answers is kept or shown but its status code.
 */
public final class WebhookDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);

  private final Vertx vertx;
  private final WebhookStore store;
  private final OutboundHttp outbound;
  private final WebhookSettings settings;
  private HttpClient client;
  private MessageConsumer<JsonObject> consumer;
  private long pollTimer = -1;
  private long purgeTimer = -1;
  private boolean running;
  private boolean again;
  private boolean stopped;
  private Future<?> queued = Future.succeededFuture();
  private final WebhookTypes types;
  /** Events this dispatcher took from the bus, and outbox INSERTs it issued for them (tests, issue 14). */
  private volatile long eventsSeen;
  private volatile long inserts;

  public WebhookDispatcher(Vertx vertx, WebhookStore store, OutboundHttp outbound, WebhookSettings settings) {
    this.vertx = vertx;
    this.store = store;
    this.outbound = outbound;
    this.settings = settings;
    this.types = new WebhookTypes(vertx, store);
  }

  /** This gateway's copy of the webhooks' types (the operations announce creations and deletions through it). */
  WebhookTypes types() {
    return types;
  }

  /** Events taken from {@code maestro.events} so far. */
  public long eventsSeen() {
    return eventsSeen;
  }

  /** Outbox INSERTs issued so far (an event no webhook takes issues none). */
  public long inserts() {
    return inserts;
  }

  /** Whether this gateway would queue an event of this type now. */
  public boolean takes(String type) {
    return types.takes(type);
  }

  public Future<Void> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(Math.min(settings.timeoutMs(), 10_000))
        .setVerifyHost(true).setKeepAlive(true));
    // the webhooks' types are read before the first event is taken, so none is skipped for want of them
    return types.start().compose(v -> consume());
  }

  private Future<Void> consume() {
    consumer = vertx.eventBus().consumer(Addresses.EVENTS, m -> {
      JsonObject e = m.body();
      if (e == null || e.getString("id") == null || e.getString("type") == null) return;
      eventsSeen++;
      // no webhook takes this type: no INSERT (it would select no webhook); issue 14, see WebhookTypes
      if (!types.takes(e.getString("type"))) return;
      inserts++;
      // one insert at a time, so the outbox's order (its ids) is the order the events arrived in
      queued = queued.transform(x -> store.enqueue(e).onSuccess(n -> {
        if (n > 0) kick();
      }).onFailure(err -> LOG.warn("webhooks: event {} could not be queued: {}", e.getString("id"), Retry.describe(err))));
    });
    // what is due is sent when it becomes due: a new event kicks at once, a failed attempt sets a timer for
    // its retry (send), a round that sent something looks again; the poll is only the backstop for
    // deliveries this node does not know of (another gateway's, left when it stopped, or queued before this
    // node started), so it need not be frequent (issue 14: a query a second was most of an idle gateway's
    // own CPU). One round at start picks up what an earlier run left.
    // the poll is also the backstop of the webhooks' types: a change whose announcement was lost is read here
    pollTimer = vertx.setPeriodic(settings.pollMs(), t -> {
      types.reload();
      kick();
    });
    kick();
    purgeTimer = vertx.setPeriodic(3_600_000, t -> store.purge(settings.retentionHours())
        .onFailure(err -> LOG.warn("webhooks: purge failed: {}", Retry.describe(err))));
    return consumer.completion();
  }

  /** Sends whatever is due now; one round at a time (a kick during a round runs another after it). */
  void kick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    store.claimDue().compose(due -> {
          List<Future<Void>> sends = new ArrayList<>();
          for (WebhookStore.Due d : due) sends.add(send(d));
          return Future.join(sends).map(due.size());
        })
        .onComplete(ar -> {
          running = false;
          if (ar.failed()) LOG.warn("webhooks: cannot read the outbox: {}", Retry.describe(ar.cause()));
          // a webhook's next event may be due as soon as its head went: go on while there was work
          if (again || (ar.succeeded() && ar.result() > 0)) {
            again = false;
            kick();
          }
        });
  }

  private Future<Void> send(WebhookStore.Due d) {
    long ts = System.currentTimeMillis() / 1000;
    RequestOptions base = new RequestOptions().setMethod(HttpMethod.POST).setTimeout(settings.timeoutMs())
        .putHeader("Content-Type", "application/json").putHeader("User-Agent", "Maestro-Webhooks/1")
        .putHeader(WebhookSigner.EVENT, d.eventType()).putHeader(WebhookSigner.DELIVERY, d.eventId())
        .putHeader(WebhookSigner.TIMESTAMP, String.valueOf(ts))
        .putHeader(WebhookSigner.SIGNATURE, WebhookSigner.sign(d.secret(), ts, d.payload()));
    return outbound.options(d.url(), base)
        .compose(opts -> client.request(opts))
        .compose(req -> req.send(Buffer.buffer(d.payload())))
        // the body is read and dropped: only the status counts, a receiver's text is never kept
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .transform(ar -> {
          if (ar.succeeded() && ar.result() / 100 == 2) return store.delivered(d.id());
          String error = ar.succeeded() ? "HTTP " + ar.result()
              : ar.cause() instanceof OutboundRefusedException r ? "refused: " + r.getMessage() : "cannot reach: " + Retry.describe(ar.cause());
          int made = d.attempts() + 1;
          OffsetDateTime next = made >= settings.maxAttempts() ? null
              : OffsetDateTime.now(ZoneOffset.UTC).plusNanos(settings.backoffAfter(made) * 1_000_000L);
          if (next == null) LOG.warn("webhooks: gave up delivering event {} to webhook {} after {} attempts ({})", d.eventId(), d.webhookId(), made, error);
          // the retry is due then: look again at that moment, not at the next backstop poll
          return store.attemptFailed(d.id(), truncate(error), next)
              .onSuccess(v -> {
                if (next != null) retryAt(settings.backoffAfter(made));
              });
        })
        .recover(err -> {
          LOG.warn("webhooks: cannot record delivery {}: {}", d.id(), Retry.describe(err));
          return Future.succeededFuture();
        });
  }

  /**
   * A round {@code ms} from now (a timer per failed attempt: few, and each fires once). The retry time is
   * this node's clock and the outbox compares it with PostgreSQL's {@code now()}: on a database host whose
   * clock lags, the round finds it not due yet and the backstop poll sends it.
   */
  private void retryAt(long ms) {
    if (!stopped) vertx.setTimer(Math.max(1, ms), t -> kick());
  }

  private static String truncate(String s) {
    return s.length() > 300 ? s.substring(0, 300) : s;
  }

  public Future<Void> stop() {
    stopped = true;
    if (pollTimer >= 0) vertx.cancelTimer(pollTimer);
    if (purgeTimer >= 0) vertx.cancelTimer(purgeTimer);
    Future<Void> unreg = Future.join(consumer == null ? Future.succeededFuture() : consumer.unregister(), types.stop()).mapEmpty();
    return unreg.eventually(() -> client == null ? Future.succeededFuture() : client.close());
  }
}
