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
 */
public final class Admission {
  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  /** The bounds: running at once, waiting at most, and the longest wait before a refusal. */
  public record Limits(int inFlight, int maxQueued, long maxWaitMs) {
    public Limits {
      if (inFlight < 1 || maxQueued < 0 || maxWaitMs < 1) {
        throw new IllegalArgumentException("admission limits: inFlight ≥ 1, maxQueued ≥ 0, maxWaitMs ≥ 1");
      }
    }
  }

  private final Vertx vertx;
  private final String service;
  private final Limits limits;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private final Counter refusedFull;
  private final Counter refusedWaited;
  private int running;

  private static final class Waiter {
    final ContextInternal context;
    final Promise<Void> turn;
    long timer = -1;

    Waiter(ContextInternal context) {
      this.context = context;
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

  /** Running now. */
  public synchronized int inFlight() {
    return running;
  }

  /**
   * Runs work now when fewer than {@code inFlight} run and nobody waits, else when its turn comes; the admission
   * is held until the work's future completes (it must complete). Refused: a failed future, and work never runs.
   */
  public <T> Future<T> run(Supplier<Future<T>> work) {
    ContextInternal ctx = (ContextInternal) vertx.getOrCreateContext();
    Waiter waiter;
    synchronized (this) {
      if (running < limits.inFlight() && queue.isEmpty()) {
        running++;
        waiter = null;
      } else if (queue.size() >= limits.maxQueued()) {
        waiter = null;
        refusedFull.increment();
        LOG.warn("{}: refused work, {} are waiting already (the bound)", service, queue.size());
        return Future.failedFuture(overloaded());
      } else {
        // the promise belongs to the caller's context: the work starts there whichever thread admits it
        waiter = new Waiter(ctx);
        queue.addLast(waiter);
      }
    }
    if (waiter == null) return runAdmitted(work);
    long timer = vertx.setTimer(limits.maxWaitMs(), id -> expire(waiter));
    synchronized (this) {
      waiter.timer = timer;
    }
    return waiter.turn.future().compose(v -> runAdmitted(work));
  }

  private <T> Future<T> runAdmitted(Supplier<Future<T>> work) {
    Future<T> f;
    try {
      f = work.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    if (f == null) f = Future.succeededFuture();
    return f.onComplete(ar -> release());
  }

  /** A running piece completed: its place goes to the longest waiter, if any. */
  private void release() {
    Waiter next;
    long timer;
    synchronized (this) {
      next = queue.pollFirst();
      if (next == null) {
        running--;
        return;
      }
      timer = next.timer;
    }
    if (timer >= 0) vertx.cancelTimer(timer);
    // always through the waiter's event loop queue: completed in place (a release on that same loop) it would
    // start ahead of waiters admitted before it whose start is already queued there
    next.context.runOnContext(v -> next.turn.complete());
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
  }

  private ServiceException overloaded() {
    return ServiceFailures.overloaded(service);
  }
}
