package dev.maestro.bench.chaos;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one chaos client saw of its session, and what PostgreSQL holds of it afterwards (through the
 * API). Pure bookkeeping, no I/O: the client feeds it every event envelope and every send ack; the
 * driver hands it the stored session at the end and reads the counts. Not thread-safe: one client
 * calls it under its own lock.
 */
public final class SessionLedger {
  /** A send the gateway acknowledged: the message must be in PostgreSQL afterwards. */
  public record Ack(String key, String text, String messageId, String turnId, long atMs) {}

  private final Set<Long> seen = new HashSet<>();
  private long maxSeq = -1;
  /** The highest owner epoch seen on an event (-1: none yet). */
  private long lastEpoch = -1;
  private long dupSeq;
  private long missingSeq;
  private final Map<String, Ack> acks = new LinkedHashMap<>();
  private long secondTurns;
  private final List<JsonObject> secondTurnExamples = new ArrayList<>();
  private long resends;
  private String currentTurn;
  /** turnId → final status (turn_completed, or turn_error when no completion followed). */
  private final Map<String, String> turnStatus = new LinkedHashMap<>();
  /** turnId → when its streamed events (delta, tool call/result) arrived, in order. */
  private final Map<String, List<Long>> streamed = new HashMap<>();
  private long seqJumps;
  /** truncated markers received, and the seq numbers they announced as not delivered. */
  private long announcedGaps;
  private long announcedSeq;
  /** The announced ranges {from, through}: an event arriving late inside one was not counted missing. */
  private final List<long[]> announced = new ArrayList<>();

  /** One {@code {"type":"event","seq",...}} envelope as received (presence has no seq: ignored). */
  public void onEvent(JsonObject envelope, long nowMs) {
    Long seq = envelope.getLong("seq");
    JsonObject event = envelope.getJsonObject("event", new JsonObject());
    if (seq == null) return;
    if (!seen.add(seq)) {
      dupSeq++;
      return;
    }
    String type = event.getString("type", "");
    if ("truncated".equals(type)) {
      announce(seq, event);
      return;
    }
    Long epoch = envelope.getLong("epoch");
    boolean newOwner = epoch != null && lastEpoch >= 0 && epoch > lastEpoch;
    if (epoch != null) lastEpoch = Math.max(lastEpoch, epoch);
    if (maxSeq >= 0 && seq > maxSeq + 1) {
      // a new owner (takeover, drain) numbers above the old one's ceiling: the skip comes with a higher
      // owner epoch, and lands on the turn it ends as interrupted or on the next turn's start — or, after a
      // partition, on whatever the new owner holds (a gateway's catch-up fetches it); any other skip is
      // events the client never got
      if (newOwner || "turn_started".equals(type)
          || ("turn_completed".equals(type) && "interrupted".equals(event.getString("status")))) {
        seqJumps++;
      } else {
        missingSeq += seq - maxSeq - 1;
      }
    }
    if (seq < maxSeq) {
      // a late arrival fills a gap counted before (missing, or announced as not coming)
      if (inAnnounced(seq)) announcedSeq--;
      else missingSeq--;
    }
    maxSeq = Math.max(maxSeq, seq);
    switch (type) {
      case "turn_started" -> currentTurn = event.getString("turnId");
      case "turn_completed" -> {
        String t = event.getString("turnId", currentTurn);
        if (t != null) turnStatus.put(t, event.getString("status", "complete"));
      }
      case "turn_error" -> {
        if (currentTurn != null) turnStatus.putIfAbsent(currentTurn, "error");
      }
      case "delta", "tool_call", "tool_result", "message_started" -> {
        if (currentTurn != null) streamed.computeIfAbsent(currentTurn, t -> new ArrayList<>()).add(nowMs);
      }
      default -> { }
    }
  }

  /**
   * A {@code truncated} marker: the server announces that the numbers {@code fromSeq}..{@code throughSeq}
   * (the marker's own seq) it does not carry will not come — the stored messages hold what they said. Those
   * numbers are counted as announced, not missing; a marker without {@code fromSeq} (an older server)
   * announces everything after the last seq received.
   */
  private void announce(long seq, JsonObject event) {
    long through = event.getLong("throughSeq", seq);
    long from = Math.max(event.getLong("fromSeq", maxSeq + 1), maxSeq + 1);
    announcedGaps++;
    if (through >= from) {
      announcedSeq += through - from + 1;
      announced.add(new long[] {from, through});
    }
    maxSeq = Math.max(maxSeq, Math.max(seq, through));
  }

  private boolean inAnnounced(long seq) {
    for (long[] r : announced) if (seq >= r[0] && seq <= r[1]) return true;
    return false;
  }

  /** Highest seq received: the {@code afterSeq} of the next subscribe (-1: none yet). */
  public long lastSeq() {
    return maxSeq;
  }

  public boolean turnEnded(String turnId) {
    return turnId != null && turnStatus.containsKey(turnId);
  }

  /**
   * A send's ack. {@code resend}: the same key was sent again (after a reconnect); a key acknowledged
   * before must come back {@code duplicate} with the same turn, anything else started a second turn.
   */
  public void onAck(String key, String text, JsonObject ack, boolean resend, long nowMs) {
    String messageId = ack.getString("messageId");
    String turnId = ack.getString("turnId");
    Ack before = acks.get(key);
    if (resend) resends++;
    if (before != null) {
      if (!Boolean.TRUE.equals(ack.getBoolean("duplicate")) || !before.turnId().equals(turnId)) {
        secondTurns++;
        // what an operator needs to find out why: the first answer, the second, and when
        if (secondTurnExamples.size() < 3) {
          secondTurnExamples.add(new JsonObject().put("key", key).put("firstTurnId", before.turnId())
              .put("firstMessageId", before.messageId()).put("firstAckMs", before.atMs()).put("again", ack.copy())
              .put("againAtMs", nowMs).put("resend", resend));
        }
      }
      return;
    }
    if (messageId != null && turnId != null) acks.put(key, new Ack(key, text, messageId, turnId, nowMs));
  }

  /** Up to three second turns as seen (first ack, second ack), for the results file. */
  public List<JsonObject> secondTurnExamples() {
    return secondTurnExamples;
  }

  public Ack ack(String key) {
    return acks.get(key);
  }

  /** The counts of this session: the client's own, plus those checked against the stored session. */
  public Counts verify(JsonObject stored) {
    Set<String> ids = new HashSet<>();
    Map<String, Integer> userTexts = new HashMap<>();
    Map<String, Integer> toolResults = new HashMap<>();
    long interruptedWithText = 0;
    JsonArray messages = stored.getJsonArray("messages", new JsonArray());
    for (Object o : messages) {
      if (!(o instanceof JsonObject m)) continue;
      ids.add(m.getString("id"));
      StringBuilder text = new StringBuilder();
      for (Object p : m.getJsonArray("content", new JsonArray())) {
        if (!(p instanceof JsonObject part)) continue;
        if ("text".equals(part.getString("type"))) text.append(part.getString("text", ""));
        if ("tool_result".equals(part.getString("type"))) toolResults.merge(part.getString("callId", "?"), 1, Integer::sum);
      }
      if ("user".equals(m.getString("role"))) userTexts.merge(text.toString(), 1, Integer::sum);
      if ("assistant".equals(m.getString("role")) && "interrupted".equals(m.getString("status")) && !text.isEmpty()) {
        interruptedWithText++;
      }
    }
    long lost = acks.values().stream().filter(a -> !ids.contains(a.messageId())).count();
    // the driver's texts are unique per send: the same user text twice is one message written twice
    long dupMessages = userTexts.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
    long toolsTwice = toolResults.values().stream().filter(n -> n > 1).count();
    long interrupted = turnStatus.values().stream().filter("interrupted"::equals).count();
    long failed = turnStatus.values().stream().filter(s -> "error".equals(s)).count();
    return new Counts(acks.size(), turnStatus.size(), lost, dupMessages, dupSeq, Math.max(0, missingSeq), toolsTwice,
        secondTurns, resends, interrupted, interruptedWithText, failed, toolResults.size(), announcedGaps,
        Math.max(0, announcedSeq));
  }

  /**
   * When this session streamed again after the fault: the first event after the fault of a turn that
   * ended complete (null: none did).
   */
  public Long recoveredAtMs(long faultStartMs) {
    Long best = null;
    for (var e : streamed.entrySet()) {
      if (!"complete".equals(turnStatus.get(e.getKey()))) continue;
      for (long t : e.getValue()) {
        if (t < faultStartMs) continue;
        if (best == null || t < best) best = t;
        break;
      }
    }
    return best;
  }

  /** Seq skips at an owner change (see onEvent), not counted as missing. */
  public long seqJumps() {
    return seqJumps;
  }

  /**
   * announcedGaps: truncated markers received (gaps the server announced); announcedSeq: the seq numbers
   * they covered — not part of missingSeq, which counts only skips nobody announced.
   */
  public record Counts(long acked, long turns, long ackedLost, long dupMessages, long dupSeq, long missingSeq,
      long toolsRunTwice, long secondTurns, long resends, long interrupted, long interruptedWithText, long failed,
      long toolCalls, long announcedGaps, long announcedSeq) {
    public Counts plus(Counts o) {
      return new Counts(acked + o.acked, turns + o.turns, ackedLost + o.ackedLost, dupMessages + o.dupMessages,
          dupSeq + o.dupSeq, missingSeq + o.missingSeq, toolsRunTwice + o.toolsRunTwice, secondTurns + o.secondTurns,
          resends + o.resends, interrupted + o.interrupted, interruptedWithText + o.interruptedWithText,
          failed + o.failed, toolCalls + o.toolCalls, announcedGaps + o.announcedGaps, announcedSeq + o.announcedSeq);
    }

    public static Counts zero() {
      return new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    public JsonObject toJson() {
      return new JsonObject().put("acked", acked).put("turns", turns).put("ackedLost", ackedLost)
          .put("dupMessages", dupMessages).put("dupSeq", dupSeq).put("missingSeq", missingSeq)
          .put("toolsRunTwice", toolsRunTwice).put("secondTurns", secondTurns).put("resends", resends)
          .put("interrupted", interrupted).put("interruptedWithText", interruptedWithText).put("failed", failed)
          .put("toolCalls", toolCalls).put("announcedGaps", announcedGaps).put("announcedSeq", announcedSeq);
    }
  }
}
