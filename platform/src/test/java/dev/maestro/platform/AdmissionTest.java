package dev.maestro.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.serviceproxy.ServiceException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14's admission control: beyond inFlight, work waits (first come, first started) instead of being refused;
 * only past the queue's bound or its wait limit is it refused, with the clean 503 overloaded, and then never runs.
 */
class AdmissionTest {
  Vertx vertx;

  @BeforeEach
  void start() throws Exception {
    // with a real registry (metrics on, scraped on a free port), as in a service
    Observability o = Observability.of(Observability.Settings.forTest("session", null));
    vertx = o.applyTo(Vertx.builder(), new io.vertx.core.VertxOptions()).build();
    o.serve(vertx).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Admission admission(String work, int inFlight, int maxQueued, long maxWaitMs) {
    return new Admission(vertx, "session-service", work, new Admission.Limits(inFlight, maxQueued, maxWaitMs));
  }

  /**
   * Runs f on one event loop, as a service calls it (one context for all: what it starts runs in the order it
   * was admitted; callers on other event loops start in that order too, each on its own loop).
   */
  private <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> f) {
    if (loop == null) loop = vertx.getOrCreateContext();
    Promise<T> p = Promise.promise();
    loop.runOnContext(v -> f.get().onComplete(p));
    return p.future();
  }

  private io.vertx.core.Context loop;

  @Test
  void workBeyondInFlightWaitsAndStartsInArrivalOrderAsCapacityFrees() throws Exception {
    String work = "test." + UUID.randomUUID();
    Admission a = admission(work, 2, 100, 30_000);
    List<Promise<Void>> gates = new ArrayList<>();
    List<Integer> started = new CopyOnWriteArrayList<>();
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      int n = i;
      Promise<Void> gate = Promise.promise();
      gates.add(gate);
      results.add(onLoop(() -> a.run(() -> {
        started.add(n);
        return gate.future().map(n);
      })));
      // each arrives after the previous one is running or queued: the arrival order is 0, 1, 2, …
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.inFlight() + a.queued() == n + 1);
    }
    assertThat(started).containsExactly(0, 1);
    assertThat(a.queued()).isEqualTo(10);
    MeterRegistry registry = Observability.registry(vertx);
    assertThat(registry.get(MetricNames.ADMISSION_QUEUED).tag("work", work).gauge().value()).isEqualTo(10.0);
    assertThat(registry.get(MetricNames.ADMISSION_IN_FLIGHT).tag("work", work).gauge().value()).isEqualTo(2.0);

    // completing one lets exactly the oldest waiter in; a failed piece frees its place as well
    gates.get(1).fail("boom");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> started.size() == 3);
    assertThat(started).containsExactly(0, 1, 2);
    assertThat(a.inFlight()).isEqualTo(2);
    for (Promise<Void> g : gates) g.tryComplete();
    for (int i = 0; i < 12; i++) {
      if (i == 1) continue;
      assertThat(results.get(i).await(5, TimeUnit.SECONDS)).isEqualTo(i);
    }
    assertThat(started).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.inFlight() == 0 && a.queued() == 0);
    assertThat(registry.get(MetricNames.ADMISSION_QUEUED).tag("work", work).gauge().value()).isZero();
  }

  /**
   * Work of one key (a user's group-committed turn starts) shares a place up to {@code shared} pieces; a second key,
   * or work past the share, needs a place of its own; and sharing never lets a piece overtake one waiting ahead of it.
   */
  @Test
  void piecesOfOneKeyShareAPlaceUpToTheShareAndStillStartInArrivalOrder() throws Exception {
    Admission a = new Admission(vertx, "session-service", "test." + UUID.randomUUID(), new Admission.Limits(2, 100, 30_000, 3));
    String[] arrivals = {"A0", "A1", "A2", "A3", "B0", "A4", "A5", "C0"};
    java.util.Map<String, Promise<Void>> gates = new java.util.HashMap<>();
    List<String> started = new CopyOnWriteArrayList<>();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < arrivals.length; i++) {
      String name = arrivals[i];
      // C0: work without a key never shares
      String key = name.startsWith("C") ? null : name.substring(0, 1);
      Promise<Void> gate = Promise.promise();
      gates.put(name, gate);
      results.add(onLoop(() -> a.run(key, () -> {
        started.add(name);
        return gate.future().map(name);
      })));
      int n = i;
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.inFlight() + a.queued() == n + 1);
    }
    // A0–A2 share the first place (full at 3), A3 takes the second; B0 finds no place; A4 would fit beside A3 but
    // B0 waits ahead of it, and so it waits too (as does C0)
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> started.size() == 4);
    assertThat(started).containsExactly("A0", "A1", "A2", "A3");
    assertThat(a.places()).isEqualTo(2);
    assertThat(a.inFlight()).isEqualTo(4);
    assertThat(a.queued()).isEqualTo(4);

    // one of the first place's pieces completes: the place is still taken by the other two, B0 still fits nowhere
    gates.get("A0").complete();
    assertThat(a.inFlight()).isEqualTo(3);
    assertThat(a.places()).isEqualTo(2);
    assertThat(a.queued()).isEqualTo(4);

    // the first place frees: B0 takes it, and then A4 and A5 share A3's place (2 of 3 and 3 of 3); C0 waits
    gates.get("A1").complete();
    gates.get("A2").complete();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> started.size() == 7);
    assertThat(started).containsExactly("A0", "A1", "A2", "A3", "B0", "A4", "A5");
    assertThat(a.places()).isEqualTo(2);
    assertThat(a.inFlight()).isEqualTo(4);
    assertThat(a.queued()).isEqualTo(1);

    // A3's place frees only once all three of its pieces have completed; then C0
    gates.get("A3").complete();
    gates.get("A4").complete();
    assertThat(a.queued()).isEqualTo(1);
    gates.get("A5").complete();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> started.size() == 8);
    assertThat(started).endsWith("C0");
    gates.values().forEach(Promise::tryComplete);
    for (int i = 0; i < arrivals.length; i++) assertThat(results.get(i).await(5, TimeUnit.SECONDS)).isEqualTo(arrivals[i]);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.inFlight() == 0 && a.places() == 0 && a.queued() == 0);
  }

  /** A refused head no longer holds back the waiters behind it that fit (on their key's shared place). */
  @Test
  void whenTheHeadWaiterExpiresTheOnesBehindItThatFitStart() throws Exception {
    Admission a = new Admission(vertx, "session-service", "test." + UUID.randomUUID(), new Admission.Limits(1, 10, 300, 4));
    Promise<Void> gate = Promise.promise();
    Future<String> first = onLoop(() -> a.run("A", () -> gate.future().map("A0")));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.inFlight() == 1);
    Future<String> other = onLoop(() -> a.run("B", () -> Future.succeededFuture("B0")));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.queued() == 1);
    // A1 would share A0's place, but B0 waits ahead of it
    Future<String> behind = onLoop(() -> a.run("A", () -> Future.succeededFuture("A1")));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.queued() == 2);
    assertThatThrownBy(() -> other.await(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(ServiceException.class,
        e -> assertThat(e.failureCode()).isEqualTo(503));
    // B0 is refused after its 300 ms: A1 (queued just after it) then shares A0's place at once, before its own limit
    assertThat(behind.await(5, TimeUnit.SECONDS)).isEqualTo("A1");
    assertThat(first.isComplete()).isFalse();
    gate.complete();
    assertThat(first.await(5, TimeUnit.SECONDS)).isEqualTo("A0");
  }

  @Test
  void pastTheBoundWorkIsRefusedAtOnceWithTheCleanOverloadedAndNeverRuns() throws Exception {
    String work = "test." + UUID.randomUUID();
    Admission a = admission(work, 1, 2, 30_000);
    Promise<Void> gate = Promise.promise();
    List<Future<String>> admitted = new ArrayList<>();
    for (int i = 0; i < 3; i++) admitted.add(onLoop(() -> a.run(() -> gate.future().map("ran"))));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.queued() == 2);
    boolean[] ran = {false};
    Future<String> refused = onLoop(() -> a.run(() -> {
      ran[0] = true;
      return Future.succeededFuture("ran");
    }));
    assertThatThrownBy(() -> refused.await(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(ServiceException.class, e -> {
      assertThat(e.failureCode()).isEqualTo(503);
      assertThat(e.getMessage()).isEqualTo("session-service is overloaded: too many requests are waiting for the database; try again in a moment");
      assertThat(e.getDebugInfo().getInteger("retryAfter")).isEqualTo(1);
      ServiceFailuresTest.noInternals(e.getMessage());
    });
    assertThat(ran[0]).isFalse();
    assertThat(Observability.registry(vertx).get(MetricNames.ADMISSION_REFUSED).tag("work", work).tag("reason", "full").counter().count())
        .isEqualTo(1.0);
    gate.complete();
    for (Future<String> f : admitted) assertThat(f.await(5, TimeUnit.SECONDS)).isEqualTo("ran");
  }

  @Test
  void workThatWaitsLongerThanTheLimitIsRefusedAndNeverRuns() throws Exception {
    String work = "test." + UUID.randomUUID();
    Admission a = admission(work, 1, 10, 300);
    Promise<Void> gate = Promise.promise();
    Future<String> first = onLoop(() -> a.run(() -> gate.future().map("first")));
    boolean[] ran = {false};
    long t0 = System.nanoTime();
    Future<String> waited = onLoop(() -> a.run(() -> {
      ran[0] = true;
      return Future.succeededFuture("late");
    }));
    assertThatThrownBy(() -> waited.await(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(ServiceException.class,
        e -> assertThat(e.failureCode()).isEqualTo(503));
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(290);
    assertThat(a.queued()).isZero();
    gate.complete();
    assertThat(first.await(5, TimeUnit.SECONDS)).isEqualTo("first");
    assertThat(ran[0]).as("a refused piece never runs, even once there is room").isFalse();
    assertThat(Observability.registry(vertx).get(MetricNames.ADMISSION_REFUSED).tag("work", work).tag("reason", "waited").counter().count())
        .isEqualTo(1.0);
    // the place it held is free again: the next one runs at once
    assertThat(onLoop(() -> a.run(() -> Future.succeededFuture("next"))).await(5, TimeUnit.SECONDS)).isEqualTo("next");
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void theWorkRunsOnTheCallersContext() throws Exception {
    Admission a = admission("test." + UUID.randomUUID(), 1, 10, 30_000);
    Promise<Void> gate = Promise.promise();
    onLoop(() -> a.run(() -> gate.future()));
    io.vertx.core.Context[] caller = new io.vertx.core.Context[1];
    Promise<Boolean> same = Promise.promise();
    vertx.runOnContext(v -> {
      caller[0] = Vertx.currentContext();
      a.run(() -> {
        same.complete(Vertx.currentContext() == caller[0]);
        return Future.succeededFuture();
      });
    });
    // admitted by a completion on another context (the test thread completes the gate)
    gate.complete();
    assertThat(same.future().await(5, TimeUnit.SECONDS)).isTrue();
  }
}
