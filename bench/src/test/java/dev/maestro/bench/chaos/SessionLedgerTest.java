package dev.maestro.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class SessionLedgerTest {
  private static JsonObject ev(long seq, JsonObject event) {
    return new JsonObject().put("type", "event").put("sessionId", "s").put("seq", seq).put("event", event);
  }

  private static JsonObject type(String t) {
    return new JsonObject().put("type", t);
  }

  private static JsonObject msg(String id, String role, String status, JsonObject... parts) {
    return new JsonObject().put("id", id).put("role", role).put("status", status).put("content", new JsonArray(java.util.List.of((Object[]) parts)));
  }

  private static JsonObject text(String t) {
    return new JsonObject().put("type", "text").put("text", t);
  }

  private static JsonObject toolResult(String callId) {
    return new JsonObject().put("type", "tool_result").put("callId", callId).put("content", "x");
  }

  @Test
  void countsRepeatedAndSkippedSeqAndIgnoresPresence() {
    SessionLedger l = new SessionLedger();
    l.onEvent(ev(1, type("turn_started").put("turnId", "t1")), 0);
    l.onEvent(ev(2, type("delta")), 0);
    l.onEvent(ev(2, type("delta")), 0);                    // repeated
    l.onEvent(new JsonObject().put("type", "event").put("event", type("presence")), 0); // no seq
    l.onEvent(ev(5, type("delta")), 0);                    // 3 and 4 skipped
    l.onEvent(ev(4, type("delta")), 0);                    // 4 arrives late
    assertThat(l.lastSeq()).isEqualTo(5);
    SessionLedger.Counts c = l.verify(new JsonObject());
    assertThat(c.dupSeq()).isEqualTo(1);
    assertThat(c.missingSeq()).isEqualTo(1);
  }

  /**
   * After a partition a gateway's catch-up may hand over a new owner's events starting with something other
   * than a turn start (a failed turn's end): the skip into the new owner's seq block comes with a higher
   * epoch and is an owner change, not lost events. A skip within one epoch still is.
   */
  @Test
  void aSkipToAHigherOwnerEpochIsAnOwnerChangeWhateverTheEvent() {
    SessionLedger l = new SessionLedger();
    l.onEvent(ev(1, type("turn_started").put("turnId", "t1")).put("epoch", 1), 0);
    l.onEvent(ev(2, type("delta")).put("epoch", 1), 0);
    l.onEvent(ev(1001, type("turn_completed").put("turnId", "t2").put("status", "error")).put("epoch", 2), 0);
    l.onEvent(ev(1004, type("delta")).put("epoch", 2), 0);   // 1002 and 1003 never came
    assertThat(l.seqJumps()).isEqualTo(1);
    assertThat(l.verify(new JsonObject()).missingSeq()).isEqualTo(2);
  }

  /**
   * Chaos partition: the client saw part of a turn a cut-off copy streamed (epoch 2), then the next owner
   * hands out that copy's stored turn end. The deltas in between nobody holds: the server announces them
   * with a truncated marker (its seq the last of the gap) and they count as announced, not missing.
   */
  private static SessionLedger partitionReplay(boolean announced) {
    SessionLedger l = new SessionLedger();
    l.onEvent(ev(1001, type("turn_started").put("turnId", "t2")).put("epoch", 2), 0);
    l.onEvent(ev(1002, type("message_started")).put("epoch", 2), 0);
    for (long s = 1003; s <= 1005; s++) l.onEvent(ev(s, type("delta")).put("epoch", 2), 0);
    if (announced) {
      l.onEvent(ev(1014, type("truncated").put("fromSeq", 1006).put("throughSeq", 1014).put("turnId", "t2")).put("epoch", 2), 0);
    }
    l.onEvent(ev(1015, type("turn_completed").put("turnId", "t2").put("status", "complete")).put("epoch", 2), 0);
    l.onEvent(ev(2001, type("turn_started").put("turnId", "t3")).put("epoch", 3), 0);
    return l;
  }

  @Test
  void aGapTheServerAnnouncesIsCountedAsAnnouncedNotMissing() {
    SessionLedger.Counts c = partitionReplay(true).verify(new JsonObject());
    assertThat(c.missingSeq()).isZero();
    assertThat(c.announcedGaps()).isEqualTo(1);
    assertThat(c.announcedSeq()).isEqualTo(9);              // 1006..1014
    assertThat(c.toJson().getLong("announcedGaps")).isEqualTo(1);
    assertThat(c.toJson().getLong("announcedSeq")).isEqualTo(9);
  }

  @Test
  void theSameGapUnannouncedIsMissing() {
    SessionLedger.Counts c = partitionReplay(false).verify(new JsonObject());
    assertThat(c.missingSeq()).isEqualTo(9);
    assertThat(c.announcedGaps()).isZero();
  }

  @Test
  void anAnnouncementCoversOnlyItsRange() {
    SessionLedger l = new SessionLedger();
    l.onEvent(ev(1, type("turn_started").put("turnId", "t1")).put("epoch", 1), 0);
    l.onEvent(ev(2, type("delta")).put("epoch", 1), 0);
    l.onEvent(ev(6, type("truncated").put("fromSeq", 3).put("throughSeq", 6).put("turnId", "t1")).put("epoch", 1), 0);
    l.onEvent(ev(9, type("turn_completed").put("turnId", "t1").put("status", "complete")).put("epoch", 1), 0); // 7, 8 unannounced
    l.onEvent(ev(4, type("delta")).put("epoch", 1), 0);   // late, inside the announced range
    SessionLedger.Counts c = l.verify(new JsonObject());
    assertThat(c.missingSeq()).isEqualTo(2);
    assertThat(c.announcedSeq()).isEqualTo(3);
    assertThat(c.dupSeq()).isZero();
    // a marker without fromSeq (the held-events cap of an older server) announces what follows the last seq seen
    SessionLedger old = new SessionLedger();
    old.onEvent(ev(1, type("delta")), 0);
    old.onEvent(ev(5, type("truncated").put("throughSeq", 5)), 0);
    old.onEvent(ev(6, type("delta")), 0);
    assertThat(old.verify(new JsonObject()).missingSeq()).isZero();
    assertThat(old.verify(new JsonObject()).announcedSeq()).isEqualTo(4);
  }

  @Test
  void anAcknowledgedMessageMissingFromTheStoredSessionIsLostAndTextsStoredTwiceAreDuplicates() {
    SessionLedger l = new SessionLedger();
    l.onAck("k1", "hello 1", new JsonObject().put("messageId", "m1").put("turnId", "t1"), false, 0);
    l.onAck("k2", "hello 2", new JsonObject().put("messageId", "m2").put("turnId", "t2"), false, 0);
    JsonObject stored = new JsonObject().put("messages", new JsonArray()
        .add(msg("m1", "user", "complete", text("hello 1")))
        .add(msg("m9", "user", "complete", text("hello 1")))
        .add(msg("a1", "assistant", "interrupted", text("Echo: hel")))
        .add(msg("a2", "assistant", "interrupted")));
    SessionLedger.Counts c = l.verify(stored);
    assertThat(c.acked()).isEqualTo(2);
    assertThat(c.ackedLost()).isEqualTo(1);
    assertThat(c.dupMessages()).isEqualTo(1);
    assertThat(c.interruptedWithText()).isEqualTo(1);
  }

  @Test
  void aToolCallWithTwoStoredResultsRanTwice() {
    SessionLedger l = new SessionLedger();
    JsonObject stored = new JsonObject().put("messages", new JsonArray()
        .add(msg("t1", "tool", "complete", toolResult("c1"), toolResult("c2")))
        .add(msg("t2", "tool", "complete", toolResult("c1"))));
    SessionLedger.Counts c = l.verify(stored);
    assertThat(c.toolsRunTwice()).isEqualTo(1);
    assertThat(c.toolCalls()).isEqualTo(2);
  }

  @Test
  void aResendMustComeBackDuplicateWithTheSameTurn() {
    SessionLedger l = new SessionLedger();
    l.onAck("k1", "a", new JsonObject().put("messageId", "m1").put("turnId", "t1"), false, 0);
    l.onAck("k1", "a", new JsonObject().put("messageId", "m1").put("turnId", "t1").put("duplicate", true), true, 0);
    assertThat(l.verify(new JsonObject()).secondTurns()).isZero();
    l.onAck("k1", "a", new JsonObject().put("messageId", "m7").put("turnId", "t7"), true, 0);
    SessionLedger.Counts c = l.verify(new JsonObject());
    assertThat(c.secondTurns()).isEqualTo(1);
    assertThat(c.resends()).isEqualTo(2);
    // a first ack that never arrived: the resend's answer is the message's record
    l.onAck("k2", "b", new JsonObject().put("messageId", "m2").put("turnId", "t2").put("duplicate", true), true, 0);
    assertThat(l.ack("k2").turnId()).isEqualTo("t2");
  }

  @Test
  void turnOutcomesAndRecoveryTime() {
    SessionLedger l = new SessionLedger();
    l.onEvent(ev(1, type("turn_started").put("turnId", "t1")), 100);
    l.onEvent(ev(2, type("delta")), 100);
    l.onEvent(ev(3, type("delta")), 1_200);               // t1 goes on after the fault, but ends interrupted
    l.onEvent(ev(4, type("turn_completed").put("turnId", "t1").put("status", "interrupted")), 5_000);
    assertThat(l.turnEnded("t1")).isTrue();
    assertThat(l.recoveredAtMs(1_000)).isNull();
    l.onEvent(ev(10, type("turn_started").put("turnId", "t2")), 6_000);
    l.onEvent(ev(11, type("delta")), 6_100);
    l.onEvent(ev(12, type("turn_completed").put("turnId", "t2").put("status", "complete")), 6_200);
    l.onEvent(ev(13, type("turn_started").put("turnId", "t3")), 7_000);
    l.onEvent(ev(14, type("turn_error").put("code", "x")), 7_100);
    l.onEvent(ev(15, type("turn_completed").put("turnId", "t3").put("status", "error")), 7_200);
    assertThat(l.recoveredAtMs(1_000)).isEqualTo(6_100);
    assertThat(l.recoveredAtMs(0)).isEqualTo(6_100);       // t1 streamed before, but ended interrupted
    SessionLedger.Counts c = l.verify(new JsonObject());
    assertThat(c.turns()).isEqualTo(3);
    assertThat(c.interrupted()).isEqualTo(1);
    assertThat(c.failed()).isEqualTo(1);
    assertThat(c.missingSeq()).isZero();                   // 5..9: the new owner started above the ceiling
    assertThat(l.seqJumps()).isEqualTo(1);
  }
}
