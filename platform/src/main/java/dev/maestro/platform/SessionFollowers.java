package dev.maestro.platform;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The owner's side of following a session (issue 14, node inboxes): the inboxes that follow one live
 * session, each under a lease its node renews ({@link SessionInbox}), and the send of each event once
 * per inbox. A node that dies stops renewing and is dropped when its lease lapses; no cluster
 * registration is made or removed per turn or per subscriber. An inbox equal to
 * {@link Addresses#sessionEvents} is the integrators' opt-in: the event is then published there.
 * Not thread-safe: used on the live session's context.
 */
public final class SessionFollowers {
  /** How long a follow holds without renewal; followers renew at a third of it. */
  public static final long LEASE_MS = 30_000;

  private record Lease(String token, long expiresAt) { }

  private final String sessionId;
  private final String publishAddress;
  private final long leaseMs;
  private final LongSupplier clock;
  private final Map<String, Lease> leases = new HashMap<>();

  public SessionFollowers(String sessionId) {
    this(sessionId, LEASE_MS, System::currentTimeMillis);
  }

  public SessionFollowers(String sessionId, long leaseMs, LongSupplier clock) {
    this.sessionId = sessionId;
    this.publishAddress = Addresses.sessionEvents(sessionId);
    this.leaseMs = leaseMs;
    this.clock = clock;
  }

  /** Registers or renews inbox's lease; token tells a later follow from an unfollow that overtook it. */
  public void follow(String inbox, String token) {
    leases.put(inbox, new Lease(token, clock.getAsLong() + leaseMs));
  }

  /** Ends inbox's lease, unless a follow with another token replaced it meanwhile. */
  public void unfollow(String inbox, String token) {
    Lease l = leases.get(inbox);
    if (l != null && (token == null || token.equals(l.token()))) leases.remove(inbox);
  }

  public long leaseMs() {
    return leaseMs;
  }

  public int size() {
    return leases.size();
  }

  public boolean follows(String inbox) {
    Lease l = leases.get(inbox);
    return l != null && l.expiresAt() > clock.getAsLong();
  }

  /** Sends the envelope once to every inbox whose lease holds (lapsed ones are dropped here). */
  public void send(EventBus bus, long seq, long epoch, Buffer envelope) {
    if (leases.isEmpty()) return;
    long now = clock.getAsLong();
    DeliveryOptions headers = null;
    for (Iterator<Map.Entry<String, Lease>> it = leases.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Lease> e = it.next();
      if (e.getValue().expiresAt() <= now) {
        it.remove();
        continue;
      }
      if (headers == null) headers = SessionEvents.headers(sessionId, seq, epoch);
      // the same bytes for every inbox: the bus does not copy them, nobody changes them
      if (e.getKey().equals(publishAddress)) bus.publish(publishAddress, envelope, headers);
      else bus.send(e.getKey(), envelope, headers);
    }
  }
}
