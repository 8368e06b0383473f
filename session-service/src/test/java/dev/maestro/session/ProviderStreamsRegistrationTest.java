package dev.maestro.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session taken over goes live before its stream address is registered across the cluster (Vert.x holds
 * registrations back while it cleans up after a departed member): a provider request waits for the
 * registration, so provider-service never streams to an address nobody listens on yet.
 */
class ProviderStreamsRegistrationTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aStreamAskedForBeforeItsAddressIsRegisteredIsRequestedOnceItIs() {
    FakeProvider provider = new FakeProvider(vertx);
    Promise<Void> registration = Promise.promise();
    ProviderStreams streams = new ProviderStreams(provider, "reply", System::currentTimeMillis).registered(registration.future());
    ProviderStream s = streams.open(new JsonObject().put("model", "m"), e -> { });
    assertThat(provider.requests).as("not requested before the address is registered").isEmpty();
    registration.complete();
    assertThat(provider.requests).hasSize(1);
    assertThat(s.ended()).isFalse();
  }

  @Test
  void aStreamStoppedBeforeTheRegistrationIsNeverRequested() {
    FakeProvider provider = new FakeProvider(vertx);
    Promise<Void> registration = Promise.promise();
    ProviderStreams streams = new ProviderStreams(provider, "reply", System::currentTimeMillis).registered(registration.future());
    ProviderStream s = streams.open(new JsonObject().put("model", "m"), e -> { });
    streams.stopUpstream(s);
    registration.complete();
    assertThat(provider.requests).as("a cancelled turn's stream is not started upstream").isEmpty();
    assertThat(provider.cancelled).as("nothing upstream to stop").isEmpty();
  }

  @Test
  void aFailedRegistrationEndsTheStream() {
    FakeProvider provider = new FakeProvider(vertx);
    Promise<Void> registration = Promise.promise();
    ProviderStreams streams = new ProviderStreams(provider, "reply", System::currentTimeMillis).registered(registration.future());
    ProviderStream s = streams.open(new JsonObject().put("model", "m"), e -> { });
    registration.fail("cluster gone");
    assertThat(provider.requests).isEmpty();
    assertThat(s.ended()).isTrue();
  }
}
