package dev.maestro.gateway;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.webhooks.WebhookDispatcher;
import dev.maestro.gateway.webhooks.WebhookSettings;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: a gateway queues no outbox row for an event no webhook takes, and with two gateways a webhook
 * created or deleted through one takes effect on the other at its next event, through the change announcement
 * (the backstop poll never comes within these tests: an hour). A third gateway started later reads the
 * webhooks before it takes its first event.
 */
class WebhookTypesTest {
  static GatewayFixture fx;
  static String admin;
  static GatewayVerticle a;
  static GatewayVerticle b;

  @BeforeAll
  static void start() throws Exception {
    fx = new GatewayFixture(new JsonObject().put(WebhookSettings.POLL_MS, "3600000"));
    admin = fx.adminToken();
    a = fx.gateways.get(0);
    b = fx.addGateway();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  /** Publishes the event and waits until every gateway listed has taken it → their INSERT counts before it. */
  static long[] publishAndAwait(JsonObject event, GatewayVerticle... gateways) {
    long[] seen = new long[gateways.length];
    long[] inserts = new long[gateways.length];
    for (int i = 0; i < gateways.length; i++) {
      seen[i] = gateways[i].webhookDispatcher().eventsSeen();
      inserts[i] = gateways[i].webhookDispatcher().inserts();
    }
    fx.vertx.eventBus().publish(Addresses.EVENTS, event);
    for (int i = 0; i < gateways.length; i++) {
      WebhookDispatcher d = gateways[i].webhookDispatcher();
      long before = seen[i];
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> d.eventsSeen() > before);
    }
    return inserts;
  }

  static long[] insertsSince(long[] before, GatewayVerticle... gateways) {
    long[] out = new long[gateways.length];
    for (int i = 0; i < gateways.length; i++) out[i] = gateways[i].webhookDispatcher().inserts() - before[i];
    return out;
  }

  static JsonObject create(GatewayVerticle via, String url, JsonArray types) {
    JsonObject body = new JsonObject().put("url", url);
    if (types != null) body.put("types", types);
    Resp r = fx.call(via.actualPort(), HttpMethod.POST, "/api/v1/webhooks", admin, body, null);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  static void delete(GatewayVerticle via, String id) {
    assertThat(fx.call(via.actualPort(), HttpMethod.DELETE, "/api/v1/webhooks/" + id, admin, null, null).status()).isEqualTo(204);
  }

  static String session() {
    return UUID.randomUUID().toString();
  }

  @Test
  void anEventNoWebhookTakesIssuesNoInsert() {
    // no webhook at all: neither gateway writes to the outbox
    long[] before = publishAndAwait(IntegrationEvents.turnStarted("u1", session(), "t1"), a, b);
    assertThat(insertsSince(before, a, b)).containsExactly(0, 0);
    // a webhook that takes turn.completed only: turn.started still costs nothing, turn.completed one INSERT each
    JsonObject hook = create(a, "https://hooks.example/only-completed", new JsonArray().add(IntegrationEvents.TURN_COMPLETED));
    before = publishAndAwait(IntegrationEvents.turnStarted("u1", session(), "t2"), a, b);
    assertThat(insertsSince(before, a, b)).containsExactly(0, 0);
    before = publishAndAwait(IntegrationEvents.turnCompleted("u1", session(), "t2", "complete", 1, 1, null), a, b);
    assertThat(insertsSince(before, a, b)).containsExactly(1, 1);
    delete(a, hook.getString("id"));
    before = publishAndAwait(IntegrationEvents.turnCompleted("u1", session(), "t3", "complete", 1, 1, null), a, b);
    assertThat(insertsSince(before, a, b)).containsExactly(0, 0);
  }

  @Test
  void aWebhookCreatedOnOneGatewayIsQueuedByTheOtherFromTheNextEventAndNoLongerOnceDeletedThere() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    int port = WebhooksTest.freePort();
    HttpServer server = fx.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      got.add(body.toString());
      req.response().setStatusCode(204).end();
    })).listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    // created through A: B has not read the table since it started, only A's announcement tells it
    JsonObject hook = create(a, "http://127.0.0.1:" + port + "/b", new JsonArray().add(IntegrationEvents.APPROVAL_REQUIRED));
    JsonObject event = IntegrationEvents.approvalRequired("u2", session(), "t1", "c1", "run_command");
    long[] before = publishAndAwait(event, b, a);
    assertThat(insertsSince(before, b, a)).containsExactly(1, 1);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
    assertThat(new JsonObject(got.get(0)).getString("id")).isEqualTo(event.getString("id"));
    // deleted through B: neither gateway writes events of that type any more
    delete(b, hook.getString("id"));
    before = publishAndAwait(IntegrationEvents.approvalRequired("u2", session(), "t2", "c2", "run_command"), a, b);
    assertThat(insertsSince(before, a, b)).containsExactly(0, 0);
    server.close();
  }

  @Test
  void aGatewayStartedLaterReadsTheWebhooksBeforeItsFirstEvent() throws Exception {
    JsonObject hook = create(a, "https://hooks.example/every-type", null);
    // C stays deployed until the fixture closes (the other tests count A's and B's INSERTs only)
    GatewayVerticle c = fx.addGateway();
    assertThat(c.webhookDispatcher().takes(IntegrationEvents.MCP_STATUS)).isTrue();
    long[] before = publishAndAwait(IntegrationEvents.mcpStatus(UUID.randomUUID().toString(), "srv", "failed"), c);
    assertThat(insertsSince(before, c)).containsExactly(1);
    delete(b, hook.getString("id"));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !c.webhookDispatcher().takes(IntegrationEvents.MCP_STATUS));
  }
}
