package dev.maestro.gateway.ws;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StaleEpochFilterTest {
  private static JsonObject event(long seq, long epoch) {
    return SessionEvents.envelope("s", seq, epoch, SessionEvents.delta("x"));
  }

  @Test
  void afterANewerOwnerIsHeardTheStaleOwnersEventsAreDropped() {
    StaleEpochFilter filter = new StaleEpochFilter();
    assertThat(filter.accept(event(1, 4))).isTrue();
    assertThat(filter.accept(event(2, 4))).isTrue();
    // the session was taken over: the new owner publishes with epoch 5
    assertThat(filter.accept(event(1001, 5))).isTrue();
    // the partitioned old owner still streams: dropped, whatever its seq
    assertThat(filter.accept(event(3, 4))).isFalse();
    assertThat(filter.accept(event(5000, 4))).isFalse();
    assertThat(filter.accept(event(1002, 5))).isTrue();
    assertThat(filter.highest()).isEqualTo(5);
  }

  @Test
  void anEnvelopeWithoutAnEpochPasses() {
    StaleEpochFilter filter = new StaleEpochFilter();
    assertThat(filter.accept(event(1, 7))).isTrue();
    assertThat(filter.accept(SessionEvents.envelope("s", 2, SessionEvents.delta("y")))).isTrue();
    assertThat(filter.highest()).isEqualTo(7);
  }
}
