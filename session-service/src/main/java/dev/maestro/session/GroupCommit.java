package dev.maestro.session;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Group commit per key (a user): work that would take the same lock one transaction after the other is
 * written in ONE transaction instead — one lock acquisition, one COMMIT (one WAL flush) for everything of
 * that key queued when the previous transaction of the key finished. No timed coalescing: a job arriving
 * while nothing of its key runs starts at once, alone; while a transaction of its key runs it waits for that
 * one, and then goes with whatever else queued meanwhile (issue 14: a thousand turn starts of one user,
 * each holding the user's lock until its COMMIT of ≈ 6 ms under load, ran at 50–120 a second).
 *
 * <p>A batch decides per job, in order ({@link Batch}): a job refused on its own (a limit, a stale owner)
 * fails alone and stores nothing, the others commit. A statement error aborts the transaction: the job it
 * belongs to ({@link JobFailed}) fails with that error and the others run again in the next transaction; an
 * error no job is answerable for (the connection, the lock, the COMMIT itself) fails every job of the batch
 * with {@code failure} (a retryable error), and nothing of any of them is stored.
 *
 * <p>One instance per node, used from any event loop (a short lock guards the queues, nothing blocks); each
 * job's outcome is delivered on the context that submitted it.
 */
final class GroupCommit<J, R> {
  /** A batch's work inside its transaction: one outcome per job, in the jobs' order. */
  interface Batch<J, R> {
    /**
     * A failed future rolls the transaction back ({@link JobFailed} when one job's statement caused it); a
     * failed outcome in the list is a job refused alone, which must have written nothing.
     */
    Future<List<Future<R>>> run(SqlConnection conn, String key, List<J> jobs);
  }

  /** A statement of job {@code index} failed: the transaction is rolled back, that job fails with the cause. */
  static final class JobFailed extends RuntimeException {
    final int index;

    JobFailed(int index, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.index = index;
    }
  }

  private record Pending<J, R>(J job, Promise<R> outcome) {}

  private static final class Queue<J, R> {
    final ArrayDeque<Pending<J, R>> waiting = new ArrayDeque<>();
  }

  private final Pool pool;
  private final Batch<J, R> batch;
  private final Function<Throwable, Throwable> failure;
  private final int maxBatch;
  /** Keys with a transaction running; their waiting jobs. Guarded by this. */
  private final Map<String, Queue<J, R>> running = new HashMap<>();
  private final AtomicLong transactions = new AtomicLong();
  private final AtomicLong jobs = new AtomicLong();

  /** failure: what every job of a batch fails with when the transaction fails as a whole (given the cause). */
  GroupCommit(Pool pool, int maxBatch, Batch<J, R> batch, Function<Throwable, Throwable> failure) {
    this.pool = pool;
    this.maxBatch = maxBatch;
    this.batch = batch;
    this.failure = failure;
  }

  /** Runs job in the next transaction of key; its outcome on the caller's context. */
  Future<R> submit(String key, J job) {
    Context ctx = Vertx.currentContext();
    Promise<R> outcome = ctx instanceof ContextInternal ci ? ci.promise() : Promise.promise();
    boolean first;
    synchronized (this) {
      Queue<J, R> q = running.get(key);
      first = q == null;
      if (first) running.put(key, q = new Queue<>());
      q.waiting.add(new Pending<>(job, outcome));
    }
    if (first) next(key);
    return outcome.future();
  }

  /** Transactions run so far (tests, the README's figures). */
  long transactions() {
    return transactions.get();
  }

  /** Jobs that went through a transaction so far (a job run again after another's error counts again). */
  long jobs() {
    return jobs.get();
  }

  /** Jobs waiting for key's running transaction to finish. */
  synchronized int waiting(String key) {
    Queue<J, R> q = running.get(key);
    return q == null ? 0 : q.waiting.size();
  }

  /** Takes what is queued for key and runs it as one transaction; with nothing queued the key is let go. */
  private void next(String key) {
    List<Pending<J, R>> taken = new ArrayList<>();
    synchronized (this) {
      Queue<J, R> q = running.get(key);
      while (!q.waiting.isEmpty() && taken.size() < maxBatch) taken.add(q.waiting.poll());
      if (taken.isEmpty()) {
        running.remove(key);
        return;
      }
    }
    transactions.incrementAndGet();
    jobs.addAndGet(taken.size());
    List<J> work = new ArrayList<>(taken.size());
    for (Pending<J, R> p : taken) work.add(p.job());
    Future<List<Future<R>>> done;
    try {
      done = pool.withTransaction(conn -> batch.run(conn, key, work));
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onComplete(ar -> {
      if (ar.succeeded()) {
        List<Future<R>> outcomes = ar.result();
        for (int i = 0; i < taken.size(); i++) {
          Future<R> o = outcomes.get(i);
          if (o.succeeded()) taken.get(i).outcome().tryComplete(o.result());
          else taken.get(i).outcome().tryFail(o.cause());
        }
      } else if (ar.cause() instanceof JobFailed jf && jf.index >= 0 && jf.index < taken.size()) {
        // that job alone fails with its error; the others were rolled back with it and go first in the next one
        taken.get(jf.index).outcome().tryFail(jf.getCause());
        synchronized (this) {
          Queue<J, R> q = running.get(key);
          for (int i = taken.size() - 1; i >= 0; i--) if (i != jf.index) q.waiting.addFirst(taken.get(i));
        }
      } else {
        Throwable err = failure.apply(ar.cause());
        for (Pending<J, R> p : taken) p.outcome().tryFail(err);
      }
      next(key);
    });
  }
}
