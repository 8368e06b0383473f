package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionRuntime;
import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Graceful drain ({@link SessionDrain}, what SIGTERM runs): two session nodes, a turn streaming on one of
 * them. The drain lets the turn finish (completed, not interrupted), the subscriber sees one contiguous seq
 * run with no error, a message queued meanwhile starts on the other node, and the next send is served there.
 * A second session, idle, is released at once. The clients only use the bus from a third member.
 */
class SessionDrainTest {
  static SessionCluster cluster;
  static Vertx clientNode;
  static Harness fakes;
  static Harness a;
  static Harness b;
  /** A node whose drain timeout is short: a turn that does not end in time is stored as interrupted. */
  static Harness c;
  /** A node with the default drain timeout (30 s), drained while turns wait for approvals. */
  static Harness d;
  /** A node drained while requests to its service bindings are on their way to it. */
  static Harness e;

  @BeforeAll
  static void start() throws Exception {
    cluster = SessionCluster.start("session-drain", null, null, new JsonObject().put(SessionDrain.TIMEOUT, "0.3"), null, null);
    clientNode = cluster.clientNode;
    fakes = cluster.fakes;
    a = cluster.node(0);
    b = cluster.node(1);
    c = cluster.node(2);
    d = cluster.node(3);
    e = cluster.node(4);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aRunningTurnFinishesAndTheSessionMovesWithoutAnError() throws Exception {
    String user = Harness.newUser();
    SessionService sessions = SessionService.createProxy(clientNode);
    JsonObject spec = new JsonObject().put("title", "drain").put("provider", "anthropic").put("model", "claude-sonnet-4-5");
    String id = await(sessions.create(user, spec)).getString("id");
    Harness drained = a;
    // live on a (its router activates a session without owner there); the client's requests reach it from any node
    await(drained.verticle.router().call(id, new LiveCommand.State()));
    Harness.Recorder rec = fakes.record(id);
    fakes.provider.script(text("before the drain "), hold("slow"), text("after it"), usage(10, 5), done("end_turn"));
    JsonObject ack = await(sessions.send(user, id, "a slow answer please"));
    rec.awaitType("delta");

    assertThat(owner(id)).isEqualTo(drained.verticle.router().ownerId());
    // an idle session on the same node goes at once
    String idle = idleSessionOn(drained, user, spec);

    Future<Void> drain = drained.verticle.drain();
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> owner(idle) == null);
    assertThat(drain.isComplete()).as("the turn is still running: the drain waits for it").isFalse();
    assertThat(owner(id)).isEqualTo(drained.verticle.router().ownerId());

    // a message sent meanwhile is queued as usual (through the node that drains: it still owns the session)
    SessionRuntime runtime = SessionRuntime.createProxy(clientNode);
    JsonObject queued = await(runtime.submit(user, id, "and then this", RuntimeStore.QUEUE));
    assertThat(queued.getBoolean("queued")).isTrue();
    fakes.provider.script(text("queued answer"), done("end_turn"));

    fakes.provider.release("slow");
    JsonObject first = rec.awaitTurnCompleted(1).getJsonObject("event");
    assertThat(first.getString("turnId")).isEqualTo(ack.getString("turnId"));
    assertThat(first.getString("status")).isEqualTo(dev.maestro.contracts.session.SessionEvents.COMPLETE);
    drain.await(30, TimeUnit.SECONDS);
    assertThat(drained.verticle.router().liveCount()).isZero();

    // the queued message starts on another node, which now owns the session
    JsonObject second = rec.awaitTurnCompleted(2).getJsonObject("event");
    assertThat(second.getString("status")).isEqualTo(dev.maestro.contracts.session.SessionEvents.COMPLETE);
    String other = owner(id);
    assertThat(other).isNotNull().isNotEqualTo(drained.verticle.router().ownerId());

    // a next send is served there too
    JsonObject next = await(sessions.send(user, id, "one more"));
    assertThat(rec.awaitTurnCompleted(3).getJsonObject("event").getString("turnId")).isEqualTo(next.getString("turnId"));
    assertThat(owner(id)).isEqualTo(other);

    List<JsonObject> events = rec.events;
    assertThat(rec.types()).doesNotContain("error");
    long seq = events.get(0).getLong("seq");
    for (JsonObject e : events) assertThat(e.getLong("seq")).as("contiguous seq in %s", rec.types()).isEqualTo(seq++);
    JsonArray messages = await(sessions.get(user, id)).getJsonArray("messages");
    assertThat(messages.getJsonObject(1).getString("status")).isEqualTo("complete");
    assertThat(messages.getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("before the drain after it");
  }

  @Test
  void atTheDrainTimeoutATurnIsStoredAsInterruptedAndTheNextOwnerContinues() throws Exception {
    String user = Harness.newUser();
    JsonObject spec = new JsonObject().put("title", "drain timeout").put("provider", "anthropic").put("model", "claude-sonnet-4-5");
    String id = await(SessionService.createProxy(clientNode).create(user, spec)).getString("id");
    Harness.Recorder rec = fakes.record(id);
    fakes.provider.script(text("what streamed "), hold("never"));
    // the turn runs on c (its router activates a session without owner here)
    JsonObject ack = await(c.verticle.router().call(id, new LiveCommand.Send("a long one")));
    rec.awaitType("delta");
    assertThat(owner(id)).isEqualTo(c.verticle.router().ownerId());

    c.verticle.drain().await(30, TimeUnit.SECONDS);
    JsonObject ended = rec.awaitTurnCompleted(1).getJsonObject("event");
    assertThat(ended.getString("turnId")).isEqualTo(ack.getString("turnId"));
    assertThat(ended.getString("status")).isEqualTo(dev.maestro.contracts.session.SessionEvents.INTERRUPTED);
    assertThat(c.verticle.router().liveCount()).isZero();
    assertThat(owner(id)).isNull();
    SessionService sessions = SessionService.createProxy(clientNode);
    JsonArray messages = await(sessions.get(user, id)).getJsonArray("messages");
    assertThat(messages.getJsonObject(1).getString("status")).isEqualTo("interrupted");
    assertThat(messages.getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("what streamed ");

    // the next owner continues (another node: c takes nothing any more)
    fakes.provider.script(text("going on"), done("end_turn"));
    JsonObject next = await(sessions.send(user, id, "go on"));
    assertThat(rec.awaitTurnCompleted(2).getJsonObject("event").getString("turnId")).isEqualTo(next.getString("turnId"));
    assertThat(owner(id)).isNotNull().isNotEqualTo(c.verticle.router().ownerId());
    assertThat(rec.types()).doesNotContain("error");
    long seq = rec.events.get(0).getLong("seq");
    for (JsonObject e : rec.events) assertThat(e.getLong("seq")).as("contiguous seq in %s", rec.types()).isEqualTo(seq++);
  }

  @Test
  void turnsWaitingForApprovalMoveAtOnceAndGoOnWhereTheyAreAnswered() throws Exception {
    fakes.tools.policies.put("guarded", "ask");
    String user = Harness.newUser();
    SessionService sessions = SessionService.createProxy(clientNode);
    SessionRuntime runtime = SessionRuntime.createProxy(clientNode);
    JsonObject spec = new JsonObject().put("title", "approval drain").put("provider", "anthropic").put("model", "claude-sonnet-4-5");
    String allowed = await(sessions.create(user, spec)).getString("id");
    String denied = await(sessions.create(user, spec.copy().put("title", "denied"))).getString("id");
    Harness drained = d;
    Harness.Recorder recA = fakes.record(allowed);
    Harness.Recorder recD = fakes.record(denied);

    // on d: one round with a call that runs at once (echo) and one that waits for its user (guarded)
    fakes.provider.script(toolCall("a-echo", "echo", new JsonObject().put("n", 1)),
        toolCall("a-guarded", "guarded", new JsonObject().put("n", 2)), done("tool_use"));
    JsonObject ackA = await(drained.verticle.router().call(allowed, new LiveCommand.Send("run both")));
    recA.awaitType("approval_required");
    recA.await(e -> "tool_result".equals(e.getString("type")) && "a-echo".equals(e.getString("callId")), 10_000);
    fakes.provider.script(toolCall("d-guarded", "guarded", new JsonObject()), done("tool_use"));
    JsonObject ackD = await(drained.verticle.router().call(denied, new LiveCommand.Send("try it")));
    recD.awaitType("approval_required");
    // a third one is answered while the drain starts: before, while or after it is handed over, it lands once
    String clicked = await(sessions.create(user, spec.copy().put("title", "clicked"))).getString("id");
    Harness.Recorder recC = fakes.record(clicked);
    fakes.provider.script(toolCall("c-guarded", "guarded", new JsonObject()), done("tool_use"));
    await(drained.verticle.router().call(clicked, new LiveCommand.Send("click it")));
    recC.awaitType("approval_required");
    fakes.provider.script(text("clicked ran"), done("end_turn"));
    for (String id : List.of(allowed, denied, clicked)) assertThat(owner(id)).isEqualTo(drained.verticle.router().ownerId());

    // the drain does not wait for the user (its timeout is 30 s): the sessions go to another node at once
    long t0 = System.currentTimeMillis();
    Future<Void> drain = drained.verticle.drain();
    // (through another node's router, as that node's SessionService passes it on: a request in flight to the draining
    // node's own SessionService binding at the instant it is unregistered is not this test's subject)
    Future<JsonObject> click = b.verticle.router().call(clicked,
        new LiveCommand.AsUser(user, new LiveCommand.Approve("c-guarded", "allow")));
    drain.await(10, TimeUnit.SECONDS);
    assertThat(System.currentTimeMillis() - t0).as("drain time").isLessThan(5_000);
    await(click);
    assertThat(recC.awaitTurnCompleted(1).getJsonObject("event").getString("status"))
        .isEqualTo(dev.maestro.contracts.session.SessionEvents.COMPLETE);
    assertThat(fakes.tools.executed.stream().filter(c -> clicked.equals(c.getString("sessionId"))).map(c -> c.getString("callId")).toList())
        .containsExactly("c-guarded");
    assertThat(drained.verticle.router().liveCount()).isZero();
    for (String id : List.of(allowed, denied)) {
      assertThat(owner(id)).as("the next owner took %s at once", id).isNotNull().isNotEqualTo(drained.verticle.router().ownerId());
    }
    // the next owner asks for the same approvals again (same call ids); the running-now list still shows them waiting
    JsonObject again = recA.await(e -> "approval_required".equals(e.getString("type")) && e.getBoolean("restored", false), 10_000)
        .getJsonObject("event");
    assertThat(again.getString("callId")).isEqualTo("a-guarded");
    assertThat(recD.await(e -> "approval_required".equals(e.getString("type")) && e.getBoolean("restored", false), 10_000)
        .getJsonObject("event").getString("callId")).isEqualTo("d-guarded");
    JsonArray waiting = await(runtime.runs(user, "waiting_approval")).getJsonArray("items");
    assertThat(waiting.stream().map(r -> ((JsonObject) r).getString("turnId")).toList())
        .containsExactlyInAnyOrder(ackA.getString("turnId"), ackD.getString("turnId"));
    assertThat(recA.types()).doesNotContain("turn_completed");

    // allowed there: the waiting call runs once, the one that had run is not run again, the reply streams
    fakes.provider.script(text("both ran"), done("end_turn"));
    await(sessions.approve(user, allowed, "a-guarded", "allow"));
    JsonObject endA = recA.awaitTurnCompleted(1).getJsonObject("event");
    assertThat(endA.getString("turnId")).isEqualTo(ackA.getString("turnId"));
    assertThat(endA.getString("status")).isEqualTo(dev.maestro.contracts.session.SessionEvents.COMPLETE);
    assertThat(fakes.tools.executed.stream().filter(c -> allowed.equals(c.getString("sessionId"))).map(c -> c.getString("callId")).toList())
        .containsExactly("a-echo", "a-guarded");
    JsonArray messagesA = await(sessions.get(user, allowed)).getJsonArray("messages");
    assertThat(messagesA.stream().map(m -> ((JsonObject) m).getString("role")).toList())
        .containsExactly("user", "assistant", "tool", "assistant");
    JsonArray toolParts = messagesA.getJsonObject(2).getJsonArray("content");
    assertThat(toolParts.stream().map(p -> ((JsonObject) p).getString("callId")).toList()).containsExactly("a-echo", "a-guarded");
    assertThat(toolParts.stream().map(p -> ((JsonObject) p).getBoolean("isError", false)).toList()).containsExactly(false, false);
    assertThat(messagesA.getJsonObject(3).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("both ran");

    // denied there: nothing runs, the model is told, the turn completes
    fakes.provider.script(text("denied then"), done("end_turn"));
    await(sessions.approve(user, denied, "d-guarded", "deny"));
    JsonObject endD = recD.awaitTurnCompleted(1).getJsonObject("event");
    assertThat(endD.getString("turnId")).isEqualTo(ackD.getString("turnId"));
    assertThat(endD.getString("status")).isEqualTo(dev.maestro.contracts.session.SessionEvents.COMPLETE);
    assertThat(fakes.tools.executed.stream().filter(c -> denied.equals(c.getString("sessionId")))).isEmpty();
    JsonObject deniedResult = recD.awaitType("tool_result").getJsonObject("event");
    assertThat(deniedResult.getString("callId")).isEqualTo("d-guarded");
    assertThat(deniedResult.getBoolean("isError")).isTrue();

    for (Harness.Recorder rec : List.of(recA, recD, recC)) {
      assertThat(rec.types()).doesNotContain("error", "turn_error");
      long seq = rec.events.get(0).getLong("seq");
      for (JsonObject e : rec.events) assertThat(e.getLong("seq")).as("contiguous seq in %s", rec.types()).isEqualTo(seq++);
    }
    assertThat(await(runtime.runs(user, null)).getJsonArray("items")).isEmpty();
  }

  /**
   * Requests on their way to a node's SessionService binding when it starts draining are answered (by it or
   * another node), not dropped: before, the drain unregistered the binding at once, and a request from
   * another node that reached it after that found no handler, which Vert.x's clustered bus drops without a
   * reply, so the caller waited its whole 15-s send timeout. Deterministic: every event loop of the node is
   * held while the requests are sent (they wait unread in its sockets) and while the drain starts; the
   * client's round robin hands two of every round to each session node, so two of them are e's.
   */
  @Test
  void requestsOnTheirWayToTheDrainingNodeAreAnswered() throws Exception {
    String user = Harness.newUser();
    SessionService sessions = SessionService.createProxy(clientNode);
    JsonObject spec = new JsonObject().put("title", "in flight").put("provider", "anthropic").put("model", "claude-sonnet-4-5");
    String id = await(sessions.create(user, spec)).getString("id");
    Harness drained = e;
    // every session node has answered the client once: its connections to them are up
    for (int i = 0; i < 10; i++) await(sessions.get(user, id));
    String node = ((io.vertx.core.internal.VertxInternal) drained.vertx).clusterManager().getNodeId();
    assertThat(registrations(Addresses.SESSION_SERVICE)).contains(node);

    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<io.netty.util.concurrent.EventExecutor> loops = new java.util.ArrayList<>();
    ((io.vertx.core.internal.VertxInternal) drained.vertx).nettyEventLoopGroup().forEach(loops::add);
    java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(loops.size());
    for (io.netty.util.concurrent.EventExecutor loop : loops) {
      loop.execute(() -> {
        all.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
      });
    }
    Future<Void> drain;
    List<Future<JsonObject>> inFlight = new java.util.ArrayList<>();
    try {
      assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 10; i++) inFlight.add(sessions.get(user, id));
      drain = drained.verticle.drain();
    } finally {
      release.countDown();
    }
    long t0 = System.currentTimeMillis();
    for (Future<JsonObject> f : inFlight) {
      assertThat(f.await(10, TimeUnit.SECONDS).getString("id")).as("answered, not dropped").isEqualTo(id);
    }
    assertThat(System.currentTimeMillis() - t0).as("answered well within the send timeout").isLessThan(10_000);
    drain.await(20, TimeUnit.SECONDS);
    // the drained node is no longer a destination; requests go to the others
    for (String address : List.of(Addresses.SESSION_SERVICE, Addresses.SESSION_RUNTIME, Addresses.SESSION_ROUTERS,
        Addresses.SESSION_FOLLOW)) {
      assertThat(registrations(address)).as(address).doesNotContain(node).isNotEmpty();
    }
    for (int i = 0; i < 10; i++) assertThat(await(sessions.get(user, id)).getString("id")).isEqualTo(id);
  }

  /** The nodes the cluster's subscription map lists for an address (what every sender chooses from). */
  private static List<String> registrations(String address) throws Exception {
    io.vertx.core.Promise<List<io.vertx.core.spi.cluster.RegistrationInfo>> p = io.vertx.core.Promise.promise();
    ((io.vertx.core.internal.VertxInternal) clientNode).clusterManager().getRegistrations(address, p);
    return p.future().await(10, TimeUnit.SECONDS).stream().filter(r -> !r.localOnly())
        .map(io.vertx.core.spi.cluster.RegistrationInfo::nodeId).toList();
  }

  /** A session activated on node h and left idle there. */
  private static String idleSessionOn(Harness h, String user, JsonObject spec) throws Exception {
    String idle = await(h.sessions.create(user, spec.copy().put("title", "idle"))).getString("id");
    await(h.verticle.router().call(idle, new LiveCommand.State()));
    assertThat(owner(idle)).isEqualTo(h.verticle.router().ownerId());
    return idle;
  }

  private static String owner(String sessionId) throws Exception {
    return cluster.owner(sessionId);
  }
}
