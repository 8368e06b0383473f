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
 * <p>Fencing (issue 17): every envelope carries the owner epoch of this live copy; an event whose seq
 * lies past the last ceiling PostgreSQL confirmed waits (it is not published) until the reservation
 * is confirmed — a stale owner's reservation is refused, so it never publishes a number the new owner
 * also uses. Once {@link #fence()}d, the log publishes nothing more.
 * Each envelope is serialized once, when it is published: the bus carries those bytes (the gateway
 * writes them to its sockets as they are) and the log holds the same bytes, not a JSON tree.
 * "Published" means sent once to each node that follows the session ({@link #followers()}, issue 14),
 * not a cluster publish: a session nobody follows costs no bus message per event.
 */
final class EventLog {
  static final long RESERVE = 1000;

  private final String sessionId;
  private final EventBus bus;
  private final int capacity;
  private final int turnCapacity;
  private final LongConsumer reserve;
  private final long epoch;
  /** The nodes following this session (issue 14): each event is sent once to each of their inboxes. */
  private final dev.maestro.platform.SessionFollowers followers;
  /** The highest ceiling PostgreSQL has confirmed for this owner: seqs above it are held back. */
  private long confirmed;
  private final Deque<Held> unconfirmed = new ArrayDeque<>();
  private boolean fenced;
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
    this(sessionId, bus, seqStart, ceiling, capacity, turnCapacity, reserve, 0);
  }

  /**
   * epoch: the owner epoch stamped on every envelope. ceiling is taken as confirmed (it was reserved
   * with the activation); a later reservation is confirmed with {@link #confirmed(long)}.
   */
  EventLog(String sessionId, EventBus bus, long seqStart, long ceiling, int capacity, int turnCapacity, LongConsumer reserve,
           long epoch) {
    this.epoch = epoch;
    this.confirmed = ceiling;
    this.sessionId = sessionId;
    this.bus = bus;
    this.seq = seqStart;
    this.ceiling = ceiling;
    this.capacity = capacity;
    this.turnCapacity = Math.max(1, turnCapacity);
    this.reserve = reserve;
    this.followers = new dev.maestro.platform.SessionFollowers(sessionId);
  }

  /** Who receives the published events (leases kept by the followers' nodes). */
  dev.maestro.platform.SessionFollowers followers() {
    return followers;
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

  long epoch() {
    return epoch;
  }

  /** This copy is stale (another owner took the session): nothing more is published, held-back events are dropped. */
  void fence() {
    fenced = true;
    unconfirmed.clear();
  }

  boolean fenced() {
    return fenced;
  }

  /** PostgreSQL stored a reservation up to ceiling: the held-back events up to it go out. */
  void confirmed(long ceiling) {
    if (fenced || ceiling <= confirmed) return;
    confirmed = ceiling;
    while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().seq() <= confirmed) {
      Held e = unconfirmed.removeFirst();
      followers.send(bus, e.seq(), epoch, e.bytes());
    }
  }

  /** A reservation failed for another reason than staleness: the next event asks again (nothing waits for a lost answer). */
  void reservationFailed() {
    ceiling = confirmed;
  }

  /** An envelope as published: its seq and its JSON bytes. */
  record Held(long seq, Buffer bytes) { }

  /** → the bytes published (or held back until its seq is confirmed), also held for resume; null once fenced. */
  Buffer publish(JsonObject event) {
    if (fenced) return null;
    long s = ++seq;
    if (s > ceiling - RESERVE / 2) {
      ceiling = s + RESERVE;
      reserve.accept(ceiling);
    }
    Buffer bytes = SessionEvents.encode(SessionEvents.envelope(sessionId, s, epoch, event));
    Held envelope = new Held(s, bytes);
    held.addLast(envelope);
    while (held.size() > capacity && turnStartIndexFloor > 0) {
      held.removeFirst();
      turnStartIndexFloor--;
    }
    while (held.size() - turnStartIndexFloor > turnCapacity) {
      Held dropped = held.removeFirst();
      if (turnStartIndexFloor > 0) turnStartIndexFloor--;
      else truncatedThrough = dropped.seq();
    }
    if (s > confirmed || !unconfirmed.isEmpty()) unconfirmed.addLast(envelope);
    else followers.send(bus, s, epoch, bytes);
    return bytes;
  }

  JsonArray after(long afterSeq) {
    JsonArray items = new JsonArray();
    if (afterSeq < truncatedThrough) {
      items.add(SessionEvents.envelope(sessionId, truncatedThrough,
          SessionEvents.truncated(Math.max(1, afterSeq + 1), truncatedThrough, null)));
    }
    // decoded only here: a resume is rare, a published chunk is not
    for (Held e : held) {
      // (numbers not yet confirmed are not handed out: they may still be refused)
      if (e.seq() > afterSeq && e.seq() <= confirmed) items.add(new JsonObject(e.bytes()));
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
