package dev.maestro.session;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

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
      // the gap it announces starts after the client's seq
      assertThat(fromStart.getJsonObject(0).getJsonObject("event").getLong("fromSeq")).isEqualTo(1);
      assertThat(log.after(10).getJsonObject(0).getJsonObject("event").getLong("fromSeq")).isEqualTo(11);
      assertThat(fromStart.getJsonObject(1).getLong("seq")).isEqualTo(19);
      // a client that has seen everything dropped gets no marker
      assertThat(log.after(18)).hasSize(10);
      assertThat(log.after(18).getJsonObject(0).getJsonObject("event").getString("text")).isEqualTo("d16");
    } finally {
      vertx.close();
    }
  }

  @Test
  void everyEnvelopeCarriesTheEpochAndAFencedLogPublishesNothing() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<JsonObject> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<Long> epochHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
      vertx.eventBus().<Object>consumer(dev.maestro.contracts.Addresses.sessionEvents("s"), m -> {
        seen.add(SessionEvents.read(m.body()));
        epochHeaders.add(SessionEvents.epochHeader(m.headers()));
      })
          .completion().await(10, java.util.concurrent.TimeUnit.SECONDS);
      EventLog log = new EventLog("s", vertx.eventBus(), 0, 1000, 100, 100, c -> { }, 7);
      log.followers().follow(dev.maestro.contracts.Addresses.sessionEvents("s"), "t");
      assertThat(SessionEvents.read(log.publish(SessionEvents.delta("a"))).getLong(SessionEvents.EPOCH)).isEqualTo(7);
      log.fence();
      assertThat(log.publish(SessionEvents.delta("b"))).isNull();
      assertThat(log.lastSeq()).isEqualTo(1);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> seen.size() == 1);
      assertThat(seen.get(0).getLong("seq")).isEqualTo(1);
      assertThat(epochHeaders).containsExactly(7L);
    } finally {
      vertx.close();
    }
  }

  @Test
  void eventsPastTheConfirmedCeilingWaitForTheReservationAndAreDroppedWhenItIsRefused() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<JsonObject> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<Long> epochHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
      vertx.eventBus().<Object>consumer(dev.maestro.contracts.Addresses.sessionEvents("s"), m -> {
        seen.add(SessionEvents.read(m.body()));
        epochHeaders.add(SessionEvents.epochHeader(m.headers()));
      })
          .completion().await(10, java.util.concurrent.TimeUnit.SECONDS);
      List<Long> reserved = new ArrayList<>();
      EventLog log = new EventLog("s", vertx.eventBus(), 0, 10, 1000, 1000, reserved::add, 1);
      log.followers().follow(dev.maestro.contracts.Addresses.sessionEvents("s"), "t");
      for (int i = 0; i < 12; i++) log.publish(SessionEvents.delta("x" + i));
      // 1..10 were confirmed with the activation; 11 and 12 wait for the new reservation
      assertThat(reserved).isNotEmpty();
      assertThat(log.after(0)).hasSize(10);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> seen.size() == 10);
      log.confirmed(reserved.get(0));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> seen.size() == 12);
      assertThat(seen.stream().map(e -> e.getLong("seq")).toList()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);

      // a stale owner's reservation is refused: what it held back never goes out
      EventLog stale = new EventLog("s", vertx.eventBus(), 100, 102, 1000, 1000, c -> { }, 1);
      stale.followers().follow(dev.maestro.contracts.Addresses.sessionEvents("s"), "t");
      seen.clear();
      for (int i = 0; i < 4; i++) stale.publish(SessionEvents.delta("y" + i));
      stale.fence();
      stale.confirmed(10_000);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> seen.size() == 2);
      assertThat(seen.stream().map(e -> e.getLong("seq")).toList()).containsExactly(101L, 102L);
    } finally {
      vertx.close();
    }
  }

  @Test
  void eachEnvelopeIsSerializedOncePublishedAsThoseBytesWithItsSeqInAHeaderAndHeldAsBytes() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<Message<Object>> received = new CopyOnWriteArrayList<>();
      vertx.eventBus().<Object>consumer(dev.maestro.contracts.Addresses.sessionEvents("s"), received::add)
          .completion().await(10, TimeUnit.SECONDS);
      EventLog log = new EventLog("s", vertx.eventBus(), 41, 1000, 10, s -> { });
      log.followers().follow(dev.maestro.contracts.Addresses.sessionEvents("s"), "t");
      log.turnStarted();
      List<Buffer> published = new ArrayList<>();
      published.add(log.publish(SessionEvents.delta("héllo \"wörld\" \uD83D\uDE00")));
      published.add(log.publish(SessionEvents.toolCall("c1", "read", new JsonObject().put("path", "a.txt"))));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> received.size() == 2);
      for (int i = 0; i < 2; i++) {
        Message<Object> m = received.get(i);
        assertThat(m.body()).isInstanceOf(Buffer.class);
        assertThat(((Buffer) m.body()).getBytes()).isEqualTo(published.get(i).getBytes());
        assertThat(m.headers().get(SessionEvents.SEQ_HEADER)).isEqualTo(String.valueOf(42 + i));
        JsonObject envelope = SessionEvents.read(m.body());
        assertThat(envelope.getLong("seq")).isEqualTo(42L + i);
        assertThat(envelope.getString("sessionId")).isEqualTo("s");
      }
      assertThat(SessionEvents.read(received.get(0).body()).getJsonObject("event").getString("text")).isEqualTo("héllo \"wörld\" \uD83D\uDE00");
      // held: the very bytes published (no tree), decoded only for an afterSeq answer
      List<EventLog.Held> held = log.heldAfter(41);
      assertThat(held).extracting(EventLog.Held::seq).containsExactly(42L, 43L);
      assertThat(held.get(1).bytes().getBytes()).isEqualTo(published.get(1).getBytes());
      JsonArray resumed = log.after(42);
      assertThat(resumed).hasSize(1);
      assertThat(resumed.getJsonObject(0).getJsonObject("event").getJsonObject("arguments").getString("path")).isEqualTo("a.txt");
    } finally {
      vertx.close();
    }
  }
}
