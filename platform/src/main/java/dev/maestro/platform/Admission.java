package dev.maestro.platform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Admission control ahead of a bounded resource (issue 14: a thousand turn starts in the same second against a
 * database pool of 16 connections, whose own wait queue then refused hundreds of them). At most
 * {@code inFlight} pieces of work run at once; the rest wait in one first-come-first-served queue and start,
 * in arrival order, as running ones complete. Only past {@code maxQueued} waiting, or after waiting
 * {@code maxWaitMs}, is a piece refused — with the clean 503 of {@link ServiceFailures#overloaded} — and it
 * then never runs. One instance per node and kind of work; callable from any event loop (a short lock guards
 * the counters, nothing blocks), the work runs on the caller's context. Metrics:
 * {@link MetricNames#ADMISSION_QUEUED}, {@link MetricNames#ADMISSION_IN_FLIGHT}, {@link MetricNames#ADMISSION_REFUSED},
 * each labelled {@code work}.
 *
 * <p>Shared places (issue 14, group commit): work given a key (a user) may share the place of running work of the
 * same key, up to {@code shared} pieces on one place. Where a key's pieces are written together — one transaction
 * for all of a user's turn starts waiting for it (session-service {@code GroupCommit}) — they hold one connection
 * however many there are, so counting each as a place of its own kept a burst of one user's starts at
 * {@code inFlight} per batch (8: at most 8 starts per transaction, 80–120 a second with five processes on two
 * cores, and the rest refused after the wait). The order stays first come first started: a piece only shares a
 * place when nobody waits ahead of it, and the waiters are admitted from the head, each onto a shared place of its
 * key with room or a free place, until the head fits nowhere. Work without a key always takes a place of its own.
 */
public final class Admission {
  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  /** The bounds: running at once, waiting at most, and the longest wait before a refusal. */
  public record Limits(int inFlight, int maxQueued, long maxWaitMs, int shared) {
    public Limits {
      if (inFlight < 1 || maxQueued < 0 || maxWaitMs < 1 || shared < 1) {
        throw new IllegalArgumentException("admission limits: inFlight ≥ 1, maxQueued ≥ 0, maxWaitMs ≥ 1, shared ≥ 1");
      }
    }

    /** Every piece on a place of its own. */
    public Limits(int inFlight, int maxQueued, long maxWaitMs) {
      this(inFlight, maxQueued, maxWaitMs, 1);
    }
  }

  private final Vertx vertx;
  private final String service;
  private final Limits limits;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private final Counter refusedFull;
  private final Counter refusedWaited;
  /** Admitted pieces running (sharing or not). Guarded by this. */
  private int running;
  /** Places taken (at most inFlight). Guarded by this. */
  private int places;
  /** Per key, the place its next pieces share while it has room. Guarded by this. */
  private final Map<String, Place> open = new HashMap<>();

  /** One of the inFlight places: the pieces of one key on it (one piece for work without a key). */
  private static final class Place {
    final String key;
    int pieces;

    Place(String key) {
      this.key = key;
    }
  }

  private static final class Waiter {
    final ContextInternal context;
    final String key;
    final Promise<Place> turn;
    long timer = -1;

    Waiter(ContextInternal context, String key) {
      this.context = context;
      this.key = key;
      this.turn = context.promise();
    }
  }

  /** {@code work} names the kind of work in the metrics, e.g. {@code session.start}; {@code service} the refusal's subject. */
  public Admission(Vertx vertx, String service, String work, Limits limits) {
    this.vertx = vertx;
    this.service = service;
    this.limits = limits;
    MeterRegistry registry = Observability.registry(vertx);
    Gauge.builder(MetricNames.ADMISSION_QUEUED, this, Admission::queued).tag("work", work)
        .description("work waiting for admission on this node").register(registry);
    Gauge.builder(MetricNames.ADMISSION_IN_FLIGHT, this, Admission::inFlight).tag("work", work)
        .description("admitted work running on this node").register(registry);
    refusedFull = Counter.builder(MetricNames.ADMISSION_REFUSED).tag("work", work).tag("reason", "full")
        .description("work refused by admission control").register(registry);
    refusedWaited = Counter.builder(MetricNames.ADMISSION_REFUSED).tag("work", work).tag("reason", "waited")
        .description("work refused by admission control").register(registry);
  }

  public Limits limits() {
    return limits;
  }

  /** Waiting now. */
  public synchronized int queued() {
    return queue.size();
  }

  /** Running now (pieces, sharing places or not). */
  public synchronized int inFlight() {
    return running;
  }

  /** Places taken now (at most {@code inFlight} of the limits). */
  public synchronized int places() {
    return places;
  }

  /**
   * Runs work now when fewer than {@code inFlight} run and nobody waits, else when its turn comes; the admission
   * is held until the work's future completes (it must complete). Refused: a failed future, and work never runs.
   */
  public <T> Future<T> run(Supplier<Future<T>> work) {
    return run(null, work);
  }

  /**
   * As {@link #run(Supplier)}; work of a key (non-null) may share a place with running work of the same key, up to
   * {@code shared} pieces on one place (see the class comment).
   */
  public <T> Future<T> run(String key, Supplier<Future<T>> work) {
    ContextInternal ctx = (ContextInternal) vertx.getOrCreateContext();
    Waiter waiter;
    Place place = null;
    synchronized (this) {
      if (queue.isEmpty()) place = take(key);
      if (place != null) {
        waiter = null;
      } else if (queue.size() >= limits.maxQueued()) {
        refusedFull.increment();
        LOG.warn("{}: refused work, {} are waiting already (the bound)", service, queue.size());
        return Future.failedFuture(overloaded());
      } else {
        // the promise belongs to the caller's context: the work starts there whichever thread admits it
        waiter = new Waiter(ctx, key);
        queue.addLast(waiter);
      }
    }
    if (waiter == null) return runAdmitted(place, work);
    long timer = vertx.setTimer(limits.maxWaitMs(), id -> expire(waiter));
    synchronized (this) {
      waiter.timer = timer;
    }
    return waiter.turn.future().compose(p -> runAdmitted(p, work));
  }

  /** A place for a piece of key: the key's shared place with room, else a free one; null when neither. Under this. */
  private Place take(String key) {
    if (key != null) {
      Place shared = open.get(key);
      if (shared != null && shared.pieces < limits.shared()) {
        shared.pieces++;
        running++;
        return shared;
      }
    }
    if (places >= limits.inFlight()) return null;
    Place p = new Place(key);
    p.pieces = 1;
    places++;
    running++;
    // a full shared place stays taken until its pieces complete; the key's next pieces share the new one
    if (key != null && limits.shared() > 1) open.put(key, p);
    return p;
  }

  private <T> Future<T> runAdmitted(Place place, Supplier<Future<T>> work) {
    Future<T> f;
    try {
      f = work.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    if (f == null) f = Future.succeededFuture();
    return f.onComplete(ar -> release(place));
  }

  /** A running piece completed: its share of the place is free, and the waiters from the head get what now fits. */
  private void release(Place place) {
    synchronized (this) {
      running--;
      if (--place.pieces == 0) {
        places--;
        if (place.key != null && open.get(place.key) == place) open.remove(place.key);
      }
    }
    admitWaiting();
  }

  /** Admits the waiters from the head of the queue while the head fits (a place is free, or its key's shared one). */
  private void admitWaiting() {
    List<Waiter> admitted = new ArrayList<>();
    List<Place> theirs = new ArrayList<>();
    List<Long> timers = new ArrayList<>();
    synchronized (this) {
      // first come first started: only the head may go; a head that fits nowhere holds back the ones behind it
      while (!queue.isEmpty()) {
        Place p = take(queue.peekFirst().key);
        if (p == null) break;
        Waiter w = queue.pollFirst();
        admitted.add(w);
        theirs.add(p);
        timers.add(w.timer);
      }
    }
    for (int i = 0; i < admitted.size(); i++) {
      Waiter next = admitted.get(i);
      Place p = theirs.get(i);
      if (timers.get(i) >= 0) vertx.cancelTimer(timers.get(i));
      // always through the waiter's event loop queue: completed in place (a release on that same loop) it would
      // start ahead of waiters admitted before it whose start is already queued there
      next.context.runOnContext(v -> next.turn.complete(p));
    }
  }

  private void expire(Waiter waiter) {
    boolean removed;
    synchronized (this) {
      // the oldest waiters expire first, so the one to remove is at or near the head
      removed = queue.remove(waiter);
    }
    if (!removed) return;
    refusedWaited.increment();
    LOG.warn("{}: refused work that waited {} ms for admission", service, limits.maxWaitMs());
    waiter.turn.fail(overloaded());
    // it may have held back waiters that fit now (a shared place with room for the next one's key)
    admitWaiting();
  }

  private ServiceException overloaded() {
    return ServiceFailures.overloaded(service);
  }
}
