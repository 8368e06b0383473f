package dev.maestro.tui.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.fake.FakeGateway;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class LiveSocketTest {
  private FakeGateway fake;
  private String url;
  private final List<Long> seqs = new CopyOnWriteArrayList<>();
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final List<LiveSocket.State> states = new CopyOnWriteArrayList<>();
  private final List<JsonObject> presence = new CopyOnWriteArrayList<>();
  private final List<JsonObject> catalog = new CopyOnWriteArrayList<>();
  private LiveSocket socket;
  private Context ctx;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    fake = new FakeGateway(vertx, "tok").chunkDelay(0);
    url = "http://127.0.0.1:" + fake.start(0).await(10, TimeUnit.SECONDS);
    ctx = vertx.getOrCreateContext();
    socket = onCtx(() -> new LiveSocket(vertx, url, "tok", new LiveSocket.Listener() {
      @Override
      public void onEvent(String sessionId, long seq, JsonObject event) {
        seqs.add(seq);
        events.add(event);
      }

      @Override
      public void onUnsequencedEvent(String sessionId, JsonObject event) {
        presence.add(event);
      }

      @Override
      public void onState(LiveSocket.State state, String detail) {
        states.add(state);
      }

      @Override
      public void onCatalogChanged(JsonObject frame) {
        catalog.add(frame);
      }
    }));
    onCtx(() -> socket.connect()).await(10, TimeUnit.SECONDS);
  }

  private <T> T onCtx(java.util.function.Supplier<T> s) throws Exception {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    ctx.runOnContext(v -> p.complete(s.get()));
    return p.future().await(10, TimeUnit.SECONDS);
  }

  private static void until(BooleanSupplier cond, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(cond::getAsBoolean);
  }

  private long publishDelta(String sid, String text) throws Exception {
    return fake.on(() -> fake.publish(sid, new JsonObject().put("type", "delta").put("text", text)))
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  void subscribeWithAfterSeqReplaysHeldEvents() throws Exception {
    String sid = fake.on(() -> fake.createSession("s", "p", "m")).await(10, TimeUnit.SECONDS);
    publishDelta(sid, "a");
    publishDelta(sid, "b");
    publishDelta(sid, "c");
    onCtx(() -> {
      socket.subscribe(sid, 1L);
      return null;
    });
    until(() -> seqs.contains(3L), "replay");
    assertThat(seqs.subList(0, 2)).containsExactly(2L, 3L);
  }

  /**
   * A gateway cut off by the network neither answers nor closes (chaos partition): the client notices the
   * silence with a ping that goes unanswered and reconnects, resuming with afterSeq, without TCP's minutes.
   */
  @Test
  void aSilentSocketIsGivenUpAndTheStreamResumesOnANewOne() throws Exception {
    String sid = fake.on(() -> fake.createSession("s", "p", "m")).await(10, TimeUnit.SECONDS);
    onCtx(() -> {
      socket.subscribe(sid, 0L);
      return null;
    });
    until(() -> !presence.isEmpty(), "presence");
    publishDelta(sid, "a");
    until(() -> text().equals("a"), "live event");
    long silencedAt = System.currentTimeMillis();
    fake.on(() -> {
      fake.silenceSockets();
      return null;
    }).await(10, TimeUnit.SECONDS);
    publishDelta(sid, "b"); // not written to the silent socket
    Awaitility.await("a new socket after the silence").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
        .until(() -> fake.on(() -> fake.openSockets()).await(10, TimeUnit.SECONDS) == 1);
    long reconnectedAfter = System.currentTimeMillis() - silencedAt;
    until(() -> text().equals("ab") && socket.state() == LiveSocket.State.CONNECTED, "resumed with afterSeq");
    assertThat(fake.on(() -> fake.pingsUnanswered()).await(10, TimeUnit.SECONDS)).as("the client asked before giving up")
        .isGreaterThanOrEqualTo(1);
    assertThat(reconnectedAfter).as("given up after the ping went unanswered, not before")
        .isGreaterThanOrEqualTo(SilenceWatch.PING_AFTER_MS + SilenceWatch.PONG_WITHIN_MS - 1_000);
    assertThat(states).contains(LiveSocket.State.RECONNECTING);
  }

  @Test
  void reconnectsAndResumesWithNothingLostOrRepeated() throws Exception {
    String sid = fake.on(() -> fake.createSession("s", "p", "m")).await(10, TimeUnit.SECONDS);
    onCtx(() -> {
      socket.subscribe(sid, 0L);
      return null;
    });
    until(() -> fake.openSockets() == 1, "socket");
    // the subscribe makes a presence event (no seq); once it arrives the subscription is live
    until(() -> !presence.isEmpty(), "presence");
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      publishDelta(sid, "x" + i);
      expected.append("x").append(i);
    }
    until(() -> text().equals(expected.toString()), "live events");
    fake.on(() -> {
      fake.dropSockets();
      return null;
    }).await(10, TimeUnit.SECONDS);
    // published while the client is disconnected
    for (int i = 5; i < 10; i++) {
      publishDelta(sid, "x" + i);
      expected.append("x").append(i);
    }
    until(() -> states.contains(LiveSocket.State.RECONNECTING), "reconnecting state");
    until(() -> text().equals(expected.toString()) && socket.state() == LiveSocket.State.CONNECTED, "resumed stream");
    for (int i = 10; i < 12; i++) {
      publishDelta(sid, "x" + i);
      expected.append("x").append(i);
    }
    until(() -> text().equals(expected.toString()), "events after reconnection");
    for (int i = 1; i < seqs.size(); i++) {
      assertThat(seqs.get(i)).as("seq strictly increasing by one").isEqualTo(seqs.get(i - 1) + 1);
    }
    long resubscribes = fake.on(() -> fake.framesReceived().stream()
        .filter(f -> "subscribe".equals(f.getString("type"))).map(f -> f.getLong("afterSeq")).toList())
        .await(10, TimeUnit.SECONDS).stream().filter(a -> a != null && a > 0).count();
    assertThat(resubscribes).as("resubscribed with afterSeq = last seq seen").isEqualTo(1);
  }

  @Test
  void anMcpCatalogFrameAndEveryReconnectTellTheListener() throws Exception {
    until(() -> fake.openSockets() == 1, "socket");
    assertThat(catalog).as("nothing on the first connect: the lists are read at start").isEmpty();
    JsonObject frame = new JsonObject().put("type", "mcp_catalog").put("kind", "prompts_changed").put("server", "docs");
    fake.on(() -> {
      fake.broadcast(frame);
      return null;
    }).await(10, TimeUnit.SECONDS);
    until(() -> catalog.size() == 1, "mcp_catalog delivered");
    assertThat(catalog.get(0)).isEqualTo(frame);
    // frames sent while away are not replayed: a reconnect counts as a change
    fake.on(() -> {
      fake.dropSockets();
      return null;
    }).await(10, TimeUnit.SECONDS);
    until(() -> catalog.size() == 2 && socket.state() == LiveSocket.State.CONNECTED, "reconnect told");
    assertThat(catalog.get(1).getString("kind")).isEqualTo("reconnected");
  }

  @Test
  void framesAreSentForSendCancelAndApprove() throws Exception {
    String sid = fake.on(() -> fake.createSession("s", "p", "m")).await(10, TimeUnit.SECONDS);
    onCtx(() -> {
      socket.subscribe(sid, 0L);
      return null;
    });
    onCtx(() -> socket.send(sid, "hello")).await(10, TimeUnit.SECONDS);
    until(() -> events.stream().anyMatch(e -> "turn_completed".equals(e.getString("type"))), "turn");
    assertThat(text()).isEqualTo("Echo: hello");
    onCtx(() -> socket.send(sid, "call tool run_command with {\"command\":\"ls\"}")).await(10, TimeUnit.SECONDS);
    until(() -> events.stream().anyMatch(e -> "approval_required".equals(e.getString("type"))), "approval");
    String callId = events.stream().filter(e -> "approval_required".equals(e.getString("type"))).findFirst()
        .orElseThrow().getString("callId");
    onCtx(() -> socket.approve(sid, callId, false)).await(10, TimeUnit.SECONDS);
    until(() -> events.stream().filter(e -> "turn_completed".equals(e.getString("type"))).count() == 2, "second turn");
    JsonObject result = events.stream().filter(e -> "tool_result".equals(e.getString("type"))).findFirst().orElseThrow();
    assertThat(result.getBoolean("isError")).isTrue();
    onCtx(() -> socket.cancel(sid)).await(10, TimeUnit.SECONDS);
    until(() -> fake.framesReceived().stream().anyMatch(f -> "cancel".equals(f.getString("type"))), "cancel frame");
  }

  @Test
  void aSendWhoseAcknowledgementIsLostIsResentOnceWithTheSameKey() throws Exception {
    String sid = fake.on(() -> fake.createSession("s", "p", "m")).await(10, TimeUnit.SECONDS);
    onCtx(() -> {
      socket.subscribe(sid, 0L);
      return null;
    });
    until(() -> !presence.isEmpty(), "subscribed");
    fake.on(() -> {
      fake.loseNextSendAck();
      return null;
    }).await(10, TimeUnit.SECONDS);
    onCtx(() -> socket.send(sid, "hello once")).await(10, TimeUnit.SECONDS);
    until(() -> states.contains(LiveSocket.State.RECONNECTING), "the connection dropped before the ack");
    until(() -> onCtxQuiet(() -> socket.unacknowledgedSends()) == 0, "the resent frame acknowledged");
    List<JsonObject> sends = fake.framesReceived().stream().filter(f -> "send".equals(f.getString("type"))).toList();
    assertThat(sends).as("sent, then resent after the reconnect").hasSize(2);
    assertThat(sends.get(1).getString("idempotencyKey")).isNotBlank().isEqualTo(sends.get(0).getString("idempotencyKey"));
    assertThat(fake.on(() -> fake.turnsStarted(sid)).await(10, TimeUnit.SECONDS)).as("one turn").isEqualTo(1);
    until(() -> events.stream().filter(e -> "turn_completed".equals(e.getString("type"))).count() == 1, "the turn completed");
    // acknowledged: a later reconnect does not send it again
    fake.on(() -> {
      fake.dropSockets();
      return null;
    }).await(10, TimeUnit.SECONDS);
    until(() -> fake.framesReceived().stream().filter(f -> "subscribe".equals(f.getString("type"))).count() == 3, "resubscribed");
    assertThat(fake.framesReceived().stream().filter(f -> "send".equals(f.getString("type")))).hasSize(2);
  }

  private <T> T onCtxQuiet(java.util.function.Supplier<T> s) {
    try {
      return onCtx(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String text() {
    StringBuilder sb = new StringBuilder();
    for (JsonObject e : events) {
      if ("delta".equals(e.getString("type"))) {
        sb.append(e.getString("text"));
      }
    }
    return sb.toString();
  }

  @Test
  void aRejectedTokenStopsRetrying(Vertx vertx) throws Exception {
    List<LiveSocket.State> seen = new CopyOnWriteArrayList<>();
    LiveSocket bad = onCtx(() -> new LiveSocket(vertx, url, "wrong", new LiveSocket.Listener() {
      @Override
      public void onEvent(String sessionId, long seq, JsonObject event) {
      }

      @Override
      public void onState(LiveSocket.State state, String detail) {
        seen.add(state);
      }
    }));
    Throwable failure = onCtx(() -> bad.connect()).transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause()))
        .await(10, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
    assertThat(seen).containsExactly(LiveSocket.State.CLOSED);
  }
}
