package dev.maestro.session;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongConsumer;

/**
 * The seq counter and the held events of one live session. The events of the turn in flight are
 * kept up to {@code turnCapacity}; events of finished turns up to {@code capacity} (oldest dropped
 * first), so a client resuming with afterSeq gets every later event that is still held, with no gap.
 * A turn that outgrows its cap loses its oldest events (older turns' go first): a resuming client
 * then gets a {@code truncated} marker first, and stored messages are unaffected.
 * Seq numbers are reserved in blocks in PostgreSQL ({@code seq_ceiling}) so that a later owner
 * never reuses a number a client may have seen.
 * Each envelope is serialized once, when it is published: the bus carries those bytes (the gateway
 * writes them to its sockets as they are) and the log holds the same bytes, not a JSON tree.
 */
final class EventLog {
  static final long RESERVE = 1000;

  private final String sessionId;
  private final EventBus bus;
  private final int capacity;
  private final int turnCapacity;
  private final LongConsumer reserve;
  private final Deque<Held> held = new ArrayDeque<>();
  private long seq;
  private long ceiling;
  private int turnStartIndexFloor;
  /** The last seq dropped from a turn in flight (0: none): what a resuming client may have missed. */
  private long truncatedThrough;

  EventLog(String sessionId, EventBus bus, long seqStart, long ceiling, int capacity, LongConsumer reserve) {
    this(sessionId, bus, seqStart, ceiling, capacity, Integer.MAX_VALUE, reserve);
  }

  /** seqStart: the first seq this log may use (the stored ceiling); reserve: persists a new ceiling. */
  EventLog(String sessionId, EventBus bus, long seqStart, long ceiling, int capacity, int turnCapacity, LongConsumer reserve) {
    this.sessionId = sessionId;
    this.bus = bus;
    this.seq = seqStart;
    this.ceiling = ceiling;
    this.capacity = capacity;
    this.turnCapacity = Math.max(1, turnCapacity);
    this.reserve = reserve;
  }

  EventBus bus() {
    return bus;
  }

  long lastSeq() {
    return seq;
  }

  /** Marks where the turn in flight starts: its events are never dropped while it runs. */
  void turnStarted() {
    turnStartIndexFloor = held.size();
  }

  /** The finished turn's events become droppable (oldest first) once the log is over capacity. */
  void turnEnded() {
    turnStartIndexFloor = held.size();
  }

  /** An envelope as published: its seq and its JSON bytes. */
  record Held(long seq, Buffer bytes) { }

  /** Publishes the event as the next seq; returns the bytes published (and held). */
  Buffer publish(JsonObject event) {
    long s = ++seq;
    if (s > ceiling - RESERVE / 2) {
      ceiling = s + RESERVE;
      reserve.accept(ceiling);
    }
    Buffer bytes = SessionEvents.encode(SessionEvents.envelope(sessionId, s, event));
    held.addLast(new Held(s, bytes));
    while (held.size() > capacity && turnStartIndexFloor > 0) {
      held.removeFirst();
      turnStartIndexFloor--;
    }
    while (held.size() - turnStartIndexFloor > turnCapacity) {
      Held dropped = held.removeFirst();
      if (turnStartIndexFloor > 0) turnStartIndexFloor--;
      else truncatedThrough = dropped.seq();
    }
    SessionEvents.publish(bus, sessionId, s, bytes);
    return bytes;
  }

  JsonArray after(long afterSeq) {
    JsonArray items = new JsonArray();
    if (afterSeq < truncatedThrough) {
      items.add(SessionEvents.envelope(sessionId, truncatedThrough, SessionEvents.truncated(truncatedThrough)));
    }
    // decoded only here: a resume is rare, a published chunk is not
    for (Held e : held) {
      if (e.seq() > afterSeq) items.add(new JsonObject(e.bytes()));
    }
    return items;
  }

  /** The held envelopes after afterSeq as published (bytes), without a truncated marker. */
  java.util.List<Held> heldAfter(long afterSeq) {
    java.util.List<Held> out = new java.util.ArrayList<>();
    for (Held e : held) if (e.seq() > afterSeq) out.add(e);
    return out;
  }

  int heldCount() {
    return held.size();
  }
}
