package dev.maestro.gateway;

import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.gateway.webhooks.WebhookDispatcher;
import dev.maestro.gateway.webhooks.WebhookSettings;
import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: a webhook change whose announcement never came (here: rows written behind the gateway's back) is
 * picked up by the gateway's next webhook poll, the backstop of its copy of the webhooks' types.
 */
class WebhookTypesPollTest {
  @Test
  void theWebhookPollReadsChangesWhoseAnnouncementWasLost() throws Exception {
    try (GatewayFixture fx = new GatewayFixture(new JsonObject().put(WebhookSettings.POLL_MS, "200"))) {
      WebhookDispatcher d = fx.gateways.get(0).webhookDispatcher();
      assertThat(d.takes(IntegrationEvents.TURN_STARTED)).isFalse();
      Pool pool = Database.pool(fx.vertx, MaestroConfig.of(fx.config), GatewayVerticle.SCHEMA, 1);
      UUID id = UUID.randomUUID();
      pool.preparedQuery("INSERT INTO webhook (id, url, secret, types) VALUES ($1, $2, $3, $4)")
          .execute(Tuple.of(id, "https://hooks.example/behind", "whsec_x", new String[] {IntegrationEvents.TURN_STARTED}))
          .await(10, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> d.takes(IntegrationEvents.TURN_STARTED));
      assertThat(d.takes(IntegrationEvents.TURN_COMPLETED)).isFalse();
      pool.preparedQuery("DELETE FROM webhook WHERE id = $1").execute(Tuple.of(id)).await(10, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !d.takes(IntegrationEvents.TURN_STARTED));
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }
}
