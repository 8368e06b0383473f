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

  @Test
  void aTurnPastItsCapDropsItsOldestEventsAndAResumingClientIsToldSo() {
    Vertx vertx = Vertx.vertx();
    try {
      EventLog log = new EventLog("s", vertx.eventBus(), 0, 1000, 100, 10, s -> { });
      log.turnStarted();
      for (int i = 1; i <= 3; i++) log.publish(SessionEvents.delta("old" + i));
      log.turnEnded();
      log.turnStarted();
      for (int i = 1; i <= 25; i++) log.publish(SessionEvents.delta("d" + i));
      // the older turn went first, then the oldest of the running turn: 10 held, seqs 19..28
      assertThat(log.heldCount()).isEqualTo(10);
      JsonArray fromStart = log.after(0);
      assertThat(fromStart).hasSize(11);
      assertThat(fromStart.getJsonObject(0).getJsonObject("event").getString("type")).isEqualTo(SessionEvents.TRUNCATED);
      assertThat(fromStart.getJsonObject(0).getLong("seq")).isEqualTo(18);
      assertThat(fromStart.getJsonObject(0).getJsonObject("event").getLong("throughSeq")).isEqualTo(18);
      assertThat(fromStart.getJsonObject(1).getLong("seq")).isEqualTo(19);
      // a client that has seen everything dropped gets no marker
      assertThat(log.after(18)).hasSize(10);
      assertThat(log.after(18).getJsonObject(0).getJsonObject("event").getString("text")).isEqualTo("d16");
    } finally {
      vertx.close();
    }
  }
}
