package dev.maestro.session;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventLogTest {
  @Test
  void oldTurnsAreDroppedOverCapacityButTheTurnInFlightIsKeptWhole() {
    Vertx vertx = Vertx.vertx();
    try {
      List<Long> reserved = new ArrayList<>();
      EventLog log = new EventLog("s", vertx.eventBus(), 100, 1100, 5, reserved::add);
      log.turnStarted();
      for (int i = 0; i < 4; i++) log.publish(SessionEvents.delta("a" + i));
      log.turnEnded();
      log.turnStarted();
      for (int i = 0; i < 8; i++) log.publish(SessionEvents.delta("b" + i));
      JsonArray held = log.after(0);
      // all 8 of the running turn, none of the old one (capacity 5)
      assertThat(held).hasSize(8);
      assertThat(held.getJsonObject(0).getLong("seq")).isEqualTo(105);
      assertThat(log.after(110)).hasSize(2);
      assertThat(log.lastSeq()).isEqualTo(112);
      assertThat(reserved).isEmpty();
    } finally {
      vertx.close();
    }
  }

  @Test
  void seqNumbersAreReservedAheadInBlocks() {
    Vertx vertx = Vertx.vertx();
    try {
      List<Long> reserved = new ArrayList<>();
      EventLog log = new EventLog("s", vertx.eventBus(), 0, 1000, 10, reserved::add);
      for (int i = 0; i < 600; i++) log.publish(SessionEvents.delta("x"));
      // reserved again when half the block is used, well before the ceiling is reached
      assertThat(reserved).containsExactly(1501L);
    } finally {
      vertx.close();
    }
  }
}
