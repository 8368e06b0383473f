package dev.maestro.auth;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every credential status change auth-service announces (StatusEvents is the one place it does, see
 * CredentialsTest and RefreshBackoffTest for when) also goes to integrators as credential.status on
 * maestro.events, in the documented envelope and with nothing but ids and the status.
 */
class StatusEventsTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void aStatusChangeIsPublishedForIntegratorsToo() throws Exception {
    BlockingQueue<JsonObject> internal = new LinkedBlockingQueue<>();
    BlockingQueue<JsonObject> pub = new LinkedBlockingQueue<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.CREDENTIAL_STATUS, m -> internal.add(m.body())).completion().await(5, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> pub.add(m.body())).completion().await(5, TimeUnit.SECONDS);
    new StatusEvents(vertx).publish("cred-1", "alice", "needs_reauth");
    assertThat(internal.poll(5, TimeUnit.SECONDS)).isEqualTo(new JsonObject().put("credentialId", "cred-1")
        .put("userId", "alice").put("status", "needs_reauth"));
    JsonObject e = pub.poll(5, TimeUnit.SECONDS);
    assertThat(IntegrationEvents.problem(e)).isNull();
    assertThat(e.getString("type")).isEqualTo(IntegrationEvents.CREDENTIAL_STATUS);
    assertThat(e.getString("userId")).isEqualTo("alice");
    assertThat(e.getJsonObject("data")).isEqualTo(new JsonObject().put("credentialId", "cred-1").put("status", "needs_reauth"));
  }
}
