package dev.maestro.gateway;

import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.GatewayFixture.Ws;
import dev.maestro.gateway.ws.CloseCodes;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketTest {
  GatewayFixture fx;
  String admin;
  JsonObject alice;
  JsonObject bob;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture(new JsonObject().put(GatewaySettings.WS_MAX_QUEUED, "64").put(GatewaySettings.WS_HEARTBEAT, "1"));
    fx.addGateway();
    admin = fx.adminToken();
    alice = fx.newUser(admin, "member");
    bob = fx.newUser(admin, "member");
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  String a() {
    return alice.getString("token");
  }

  static boolean isEvent(JsonObject f, String type) {
    return "event".equals(f.getString("type")) && type.equals(f.getJsonObject("event").getString("type"));
  }

  /** The next session event (presence events carry no seq and are skipped). */
  static JsonObject seqEvent(Ws ws) throws InterruptedException {
    return ws.next(f -> "event".equals(f.getString("type")) && f.getLong("seq") != null, Duration.ofSeconds(10));
  }

  @Test
  void sendStreamsTheTurnToTheSubscriberInSeqOrder() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    fx.subscribe(ws, session, null);
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "hello").put("id", 7));
    JsonObject ack = ws.next("ack");
    assertThat(ack.getString("action")).isEqualTo("send");
    assertThat(ack.getInteger("id")).isEqualTo(7);
    assertThat(ack.getString("messageId")).isNotBlank();
    List<JsonObject> events = new ArrayList<>();
    JsonObject f;
    do {
      f = seqEvent(ws);
      events.add(f);
    } while (!isEvent(f, SessionEvents.TURN_COMPLETED));
    assertThat(events.stream().map(e -> e.getJsonObject("event").getString("type")).toList())
        .containsExactly("turn_started", "message_started", "delta", "delta", "message_completed", "turn_completed");
    for (int i = 1; i < events.size(); i++) assertThat(events.get(i).getLong("seq")).isEqualTo(events.get(i - 1).getLong("seq") + 1);
    assertThat(events.get(3).getJsonObject("event").getString("text")).isEqualTo("hello");
    assertThat(events.get(0).getString("sessionId")).isEqualTo(session);
  }

  @Test
  void subscribeWithAfterSeqResumesWithNoGapAndNoDuplicateEvenWhenAnEventArrivesDuringTheFetch() throws Exception {
    String session = fx.newSession(a());
    for (int i = 1; i <= 5; i++) fx.sessions.emit(session, SessionEvents.delta("d" + i));
    // while the gateway fetches the backlog, event 6 is published: it reaches the socket both live and in the backlog
    fx.sessions.beforeEventsReply = () -> fx.sessions.emit(session, SessionEvents.delta("d6"));
    Ws ws = fx.ws(fx.gateways.get(1).actualPort(), a(), null, null);
    try {
      fx.subscribe(ws, session, 2L);
    } finally {
      fx.sessions.beforeEventsReply = null;
    }
    fx.sessions.emit(session, SessionEvents.delta("d7"));
    List<Long> seqs = new ArrayList<>();
    JsonObject f;
    do {
      f = seqEvent(ws);
      seqs.add(f.getLong("seq"));
    } while (f.getLong("seq") < 7);
    assertThat(seqs).containsExactly(3L, 4L, 5L, 6L, 7L);
    ws.send(new JsonObject().put("type", "ping"));
    assertThat(ws.next(x -> !"event".equals(x.getString("type")) || x.getLong("seq") != null, Duration.ofSeconds(5)).getString("type"))
        .isEqualTo("pong");
  }

  @Test
  void aClientReconnectingToTheOtherGatewayWithAfterSeqMissesNothing() throws Exception {
    String session = fx.newSession(a());
    Ws first = fx.ws(fx.gateways.get(0).actualPort(), a(), null, null);
    fx.subscribe(first, session, null);
    fx.sessions.emit(session, SessionEvents.delta("a"));
    fx.sessions.emit(session, SessionEvents.delta("b"));
    long last = 0;
    while (last < 2) last = seqEvent(first).getLong("seq");
    first.socket.close().await();
    for (int i = 0; i < 3; i++) fx.sessions.emit(session, SessionEvents.delta("while away " + i));
    Ws second = fx.ws(fx.gateways.get(1).actualPort(), a(), null, null);
    fx.subscribe(second, session, last);
    fx.sessions.emit(session, SessionEvents.delta("live"));
    List<Long> seqs = new ArrayList<>();
    while (seqs.isEmpty() || seqs.get(seqs.size() - 1) < 6) seqs.add(seqEvent(second).getLong("seq"));
    assertThat(seqs).containsExactly(3L, 4L, 5L, 6L);
  }

  /**
   * Chaos gateway-kill (issue 17) showed clients missing events after a resume: deliveries published
   * before the owner knew the new subscription never reached it. A live event numbered past the next
   * one makes the gateway fetch what lies between, so the client still sees every seq once, in order.
   */
  @Test
  void eventsThatNeverReachedTheGatewayAreFetchedWhenALaterOneShowsTheGap() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    fx.subscribe(ws, session, null);
    fx.sessions.emit(session, SessionEvents.delta("one"));
    assertThat(seqEvent(ws).getLong("seq")).isEqualTo(1L);
    fx.sessions.emitUnpublished(session, SessionEvents.delta("lost two"));
    fx.sessions.emitUnpublished(session, SessionEvents.delta("lost three"));
    fx.sessions.emit(session, SessionEvents.delta("four"));
    fx.sessions.emit(session, SessionEvents.delta("five"));
    List<JsonObject> got = new ArrayList<>();
    while (got.size() < 4) got.add(seqEvent(ws));
    assertThat(got.stream().map(e -> e.getLong("seq")).toList()).containsExactly(2L, 3L, 4L, 5L);
    assertThat(got.get(0).getJsonObject("event").getString("text")).isEqualTo("lost two");
    ws.send(new JsonObject().put("type", "ping"));
    assertThat(ws.next(x -> !"event".equals(x.getString("type")) || x.getLong("seq") != null, Duration.ofSeconds(5)).getString("type"))
        .isEqualTo("pong");
  }

  /**
   * Chaos partition (issue 17): events published while a partition separated the owner from this gateway
   * never arrived, and when the turn had ended no later event showed the gap: the client waited for its
   * watchdog. When the cluster re-forms, the gateway fetches what each subscription missed.
   */
  @Test
  void eventsLostAcrossAPartitionAreFetchedWhenTheClusterReforms() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    fx.subscribe(ws, session, null);
    fx.sessions.emit(session, SessionEvents.delta("one"));
    assertThat(seqEvent(ws).getLong("seq")).isEqualTo(1L);
    fx.sessions.emitUnpublished(session, SessionEvents.delta("lost two"));
    fx.sessions.emitUnpublished(session, SessionEvents.turnCompleted("t1", "complete"));

    fx.gateways.get(0).webSockets().catchUp();

    JsonObject two = seqEvent(ws);
    assertThat(two.getLong("seq")).isEqualTo(2L);
    assertThat(two.getJsonObject("event").getString("text")).isEqualTo("lost two");
    assertThat(seqEvent(ws).getJsonObject("event").getString("type")).isEqualTo("turn_completed");
    // and live events go on after it, once each
    fx.sessions.emit(session, SessionEvents.delta("four"));
    assertThat(seqEvent(ws).getLong("seq")).isEqualTo(4L);
  }

  /**
   * Issue 17, after a partition: a new owner's first live event skips numbers, and what fills the gap is a
   * turn end an earlier owner published (a lower epoch, lower seq) that only the store still has. It must
   * reach the client, before the live event — not be dropped as a stale copy's because the live event's
   * higher epoch was seen first. The truncated marker announcing the numbers before it goes first, in seq order.
   */
  @Test
  void anEarlierOwnersTurnEndFillingAGapIsDeliveredBeforeTheNewOwnersEvents() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    fx.subscribe(ws, session, null);
    JsonObject one = SessionEvents.envelope(session, 1, 5, SessionEvents.delta("one"));
    fx.sessions.holdEnvelope(session, one);
    fx.sessions.sendRaw(session, 1, 5, SessionEvents.encode(one));
    assertThat(seqEvent(ws).getLong("seq")).isEqualTo(1L);
    // the end published by epoch 6 (cut off from this gateway), announced by the truncated marker the owner puts
    // before it (epoch 6's other events are held by nobody), then epoch 7's first event
    fx.sessions.holdEnvelope(session, SessionEvents.envelope(session, 1000, 6, SessionEvents.truncated(2, 1000, "t1")));
    fx.sessions.holdEnvelope(session, SessionEvents.envelope(session, 1001, 6, SessionEvents.turnCompleted("t1", "interrupted")));
    JsonObject next = SessionEvents.envelope(session, 2001, 7, SessionEvents.turnStarted("t2"));
    fx.sessions.holdEnvelope(session, next);
    fx.sessions.sendRaw(session, 2001, 7, SessionEvents.encode(next));

    JsonObject marker = seqEvent(ws);
    assertThat(marker.getLong("seq")).isEqualTo(1000L);
    assertThat(marker.getJsonObject("event").getString("type")).isEqualTo("truncated");
    assertThat(marker.getJsonObject("event").getLong("fromSeq")).isEqualTo(2L);
    assertThat(marker.getJsonObject("event").getString("turnId")).isEqualTo("t1");
    JsonObject end = seqEvent(ws);
    assertThat(end.getLong("seq")).isEqualTo(1001L);
    assertThat(end.getJsonObject("event").getString("type")).isEqualTo("turn_completed");
    assertThat(seqEvent(ws).getLong("seq")).isEqualTo(2001L);
  }

  /** A stale owner's refusal (421, nothing done) is a retryable "unavailable" on the socket, never "internal". */
  @Test
  void aSendRefusedByAStaleOwnerIsUnavailableToRetry() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    fx.subscribe(ws, session, null);
    fx.sessions.failNextSend = new io.vertx.serviceproxy.ServiceException(dev.maestro.contracts.ErrorCodes.STALE_OWNER,
        "this copy of the session is no longer its owner");
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "hello").put("id", "s1"));
    JsonObject error = ws.next("error");
    assertThat(error.getString("id")).isEqualTo("s1");
    assertThat(error.getString("code")).isEqualTo("unavailable");
  }

  @Test
  void badFramesGetAnErrorFrameAndTheSocketStaysOpen() throws Exception {
    Ws ws = fx.ws(a());
    String[] bad = {"not json", "[1,2]", "{}", "{\"type\":42}", "{\"type\":\"dance\"}", "{\"type\":\"subscribe\"}",
        "{\"type\":\"subscribe\",\"sessionId\":\"x' OR 1=1 --\"}", "{\"type\":\"send\",\"sessionId\":\"" + UUID.randomUUID() + "\"}",
        "{\"type\":\"subscribe\",\"sessionId\":\"" + UUID.randomUUID() + "\",\"afterSeq\":\"3\"}",
        "{\"type\":\"approve\",\"sessionId\":\"" + UUID.randomUUID() + "\",\"callId\":\"c\",\"decision\":\"maybe\"}",
        "{\"type\":\"elicit\",\"sessionId\":\"" + UUID.randomUUID() + "\",\"elicitationId\":\"e\",\"action\":\"maybe\"}",
        "{\"type\":\"elicit\",\"sessionId\":\"" + UUID.randomUUID() + "\",\"action\":\"accept\"}",
        "{\"type\":\"elicit\",\"sessionId\":\"" + UUID.randomUUID() + "\",\"elicitationId\":\"e\",\"action\":\"accept\",\"content\":[1]}"};
    for (String frame : bad) {
      ws.sendText(frame);
      JsonObject err = ws.next("error");
      assertThat(err.getString("code")).as(frame).isEqualTo("bad_frame");
      assertThat(err.getString("message")).isNotBlank();
    }
    ws.socket.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3})).await();
    assertThat(ws.next("error").getString("code")).isEqualTo("bad_frame");
    ws.send(new JsonObject().put("type", "ping"));
    assertThat(ws.next("pong")).isNotNull();
    assertThat(ws.closeCode).isNull();
  }

  /** Issue 14: subscribe checks access with checkAccess, not by loading the session with its whole history. */
  @Test
  void subscribeChecksAccessWithoutLoadingTheHistory() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    int before = fx.sessions.historyLoads.get();
    ws.send(new JsonObject().put("type", "subscribe").put("sessionId", session));
    assertThat(ws.next("ack").getString("action")).isEqualTo("subscribe");
    Ws other = fx.ws(bob.getString("token"));
    other.send(new JsonObject().put("type", "subscribe").put("sessionId", session));
    assertThat(other.next("error").getString("code")).isEqualTo("not_found");
    assertThat(fx.sessions.historyLoads.get()).isEqualTo(before);
  }

  @Test
  void anotherUsersSessionIsNotFoundOverTheSocket() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(bob.getString("token"));
    ws.send(new JsonObject().put("type", "subscribe").put("sessionId", session));
    JsonObject err = ws.next("error");
    assertThat(err.getString("code")).isEqualTo("not_found");
    assertThat(err.getString("sessionId")).isEqualTo(session);
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "hijack"));
    assertThat(ws.next("error").getString("code")).isEqualTo("not_found");
    // and bob's socket does not get alice's events
    fx.sessions.emit(session, SessionEvents.delta("private"));
    ws.send(new JsonObject().put("type", "ping"));
    assertThat(ws.next(f -> !"error".equals(f.getString("type")), Duration.ofSeconds(5)).getString("type")).isEqualTo("pong");
  }

  @Test
  void cancelAndApproveReachTheSessionService() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    ws.send(new JsonObject().put("type", "cancel").put("sessionId", session));
    assertThat(ws.next("ack").getString("action")).isEqualTo("cancel");
    ws.send(new JsonObject().put("type", "approve").put("sessionId", session).put("callId", "call-1").put("decision", "deny"));
    assertThat(ws.next("ack").getString("action")).isEqualTo("approve");
    assertThat(fx.sessions.callsOf("approve").stream().anyMatch(c -> c.getString("callId").equals("call-1")
        && c.getString("decision").equals("deny") && c.getString("sessionId").equals(session))).isTrue();
    assertThat(fx.sessions.callsOf("cancel").stream().anyMatch(c -> c.getString("sessionId").equals(session))).isTrue();
  }

  @Test
  void anElicitAnswerReachesTheSessionServiceAndItsRefusalsComeBackAsErrors() throws Exception {
    String session = fx.newSession(a());
    String id = UUID.randomUUID().toString();
    fx.sessions.elicitations.put(id, new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("ok", new JsonObject().put("type", "boolean").put("default", true))));
    Ws ws = fx.ws(a());
    ws.send(new JsonObject().put("type", "elicit").put("sessionId", session).put("elicitationId", id).put("action", "accept")
        .put("content", new JsonObject().put("ok", "yes")));
    assertThat(ws.next("error").getString("code")).isEqualTo("bad_request");
    ws.send(new JsonObject().put("type", "elicit").put("sessionId", session).put("elicitationId", id).put("action", "accept"));
    assertThat(ws.next("ack").getString("action")).isEqualTo("elicit");
    assertThat(fx.sessions.callsOf("answerElicitation").stream().anyMatch(c -> c.getString("elicitationId").equals(id)
        && c.getJsonObject("content").getBoolean("ok"))).isTrue();
    ws.send(new JsonObject().put("type", "elicit").put("sessionId", session).put("elicitationId", id).put("action", "decline"));
    assertThat(ws.next("error").getString("code")).isEqualTo("conflict");
    ws.send(new JsonObject().put("type", "elicit").put("sessionId", session).put("elicitationId", "nope").put("action", "cancel"));
    assertThat(ws.next("error").getString("code")).isEqualTo("not_found");
  }

  @Test
  void aRevokedTokenClosesItsOpenSocketsAtOnceOnEveryGateway() throws Exception {
    String token = fx.token(alice.getString("username"), "password-" + alice.getString("username"));
    String tokenId = fx.get("/api/v1/auth/tokens", token).json().getJsonArray("items").getJsonObject(0).getString("id");
    Ws one = fx.ws(fx.gateways.get(0).actualPort(), token, null, null);
    Ws two = fx.ws(fx.gateways.get(1).actualPort(), token, null, null);
    Ws other = fx.ws(a());
    one.send(new JsonObject().put("type", "ping"));
    one.next("pong");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/auth/tokens/" + tokenId, a(), null).status()).isEqualTo(204);
    assertThat(one.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.REVOKED);
    assertThat(two.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.REVOKED);
    assertThat(one.closeReason).isEqualTo("token revoked");
    other.send(new JsonObject().put("type", "ping"));
    assertThat(other.next("pong")).isNotNull();
    assertThatThrownBy(() -> fx.ws(token)).isInstanceOf(UpgradeRejectedException.class);
  }

  @Test
  void aSocketWhoseTokenExpiresIsClosedByTheHeartbeat() throws Exception {
    GatewayFixture.Resp r = fx.post("/api/v1/auth/token", null, new JsonObject().put("username", alice.getString("username"))
        .put("password", "password-" + alice.getString("username")).put("name", "short")
        .put("expiresAt", java.time.Instant.now().plusSeconds(2).toString()));
    Ws ws = fx.ws(r.json().getString("token"));
    ws.send(new JsonObject().put("type", "ping"));
    ws.next("pong");
    assertThat(ws.awaitClose(Duration.ofSeconds(10))).isEqualTo(CloseCodes.REVOKED);
    assertThat(ws.closeReason).isEqualTo("token expired");
  }

  @Test
  void aDeletedUsersSocketsCloseAtOnce() throws Exception {
    JsonObject carol = fx.newUser(admin, "member");
    Ws ws = fx.ws(carol.getString("token"));
    ws.send(new JsonObject().put("type", "ping"));
    ws.next("pong");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + carol.getString("id"), admin, null).status()).isEqualTo(204);
    assertThat(ws.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.REVOKED);
  }

  @Test
  void theUpgradeNeedsAuthAndRefusesCrossOriginCookies() {
    assertThatThrownBy(() -> fx.ws(null)).isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    JsonObject browser = fx.browserLogin(alice.getString("username"), "password-" + alice.getString("username"));
    MultiMap evil = MultiMap.caseInsensitiveMultiMap().add("Cookie", browser.getString("cookie")).add("Origin", "https://evil.example");
    assertThatThrownBy(() -> fx.ws(fx.port(), null, evil, null))
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
  }

  @Test
  void aSlowConsumerIsClosedWithAClearCodeInsteadOfGrowingMemory() throws Exception {
    String session = fx.newSession(a());
    Ws ws = fx.ws(a());
    fx.subscribe(ws, session, null);
    int before = fx.gateways.get(0).openSockets();
    ws.socket.pause();
    String chunk = "x".repeat(16_000);
    for (int i = 0; i < 3000 && fx.gateways.get(0).openSockets() >= before; i++) {
      fx.sessions.emit(session, SessionEvents.delta(chunk));
      if (i % 100 == 99) Thread.sleep(5);
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> fx.gateways.get(0).openSockets() < before);
    assertThat(fx.gateways.get(0).openSockets()).isLessThan(before);
    ws.socket.resume();
    assertThat(ws.awaitClose(Duration.ofSeconds(20))).isEqualTo(CloseCodes.SLOW_CONSUMER);
  }

  @Test
  void presenceShowsWhichClientsHaveTheSessionOpen() throws Exception {
    String session = fx.newSession(a());
    Ws tui = fx.ws(a());
    fx.subscribe(tui, session, null);
    JsonObject browser = fx.browserLogin(alice.getString("username"), "password-" + alice.getString("username"));
    Ws web = fx.ws(fx.port(), null, MultiMap.caseInsensitiveMultiMap().add("Cookie", browser.getString("cookie")), null);
    fx.subscribe(web, session, null);
    JsonObject both = tui.next(f -> isEvent(f, "presence") && f.getJsonObject("event").getJsonArray("openIn").size() == 2, Duration.ofSeconds(10));
    assertThat(both.getJsonObject("event").getJsonArray("openIn")).isEqualTo(new JsonArray().add("tui").add("web"));
    JsonObject listed = fx.get("/api/v1/sessions", a()).json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(s -> s.getString("id").equals(session)).findFirst().orElseThrow();
    assertThat(listed.getJsonArray("openIn")).isEqualTo(new JsonArray().add("tui").add("web"));
    web.socket.close().await();
    JsonObject one = tui.next(f -> isEvent(f, "presence") && f.getJsonObject("event").getJsonArray("openIn").size() == 1, Duration.ofSeconds(10));
    assertThat(one.getJsonObject("event").getJsonArray("openIn")).isEqualTo(new JsonArray().add("tui"));
  }

  @Test
  void signingOutOfTheBrowserClosesThatSessionsSocketsAndNoOtherOnes() throws Exception {
    String user = alice.getString("username");
    JsonObject signingOut = fx.browserLogin(user, "password-" + user);
    JsonObject stays = fx.browserLogin(user, "password-" + user);
    Ws closing = fx.ws(fx.port(), null, MultiMap.caseInsensitiveMultiMap().add("Cookie", signingOut.getString("cookie")), null);
    Ws open = fx.ws(fx.port(), null, MultiMap.caseInsensitiveMultiMap().add("Cookie", stays.getString("cookie")), null);
    Ws token = fx.ws(a());
    for (Ws w : List.of(closing, open, token)) {
      w.send(new JsonObject().put("type", "ping"));
      w.next("pong");
    }
    Resp out = fx.call(fx.port(), HttpMethod.POST, "/logout", null, Buffer.buffer("_csrf=" + signingOut.getString("csrf")),
        MultiMap.caseInsensitiveMultiMap().add("Cookie", signingOut.getString("cookie"))
            .add("Content-Type", "application/x-www-form-urlencoded"));
    assertThat(out.status()).as(out.body()).isEqualTo(303);
    assertThat(closing.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.REVOKED);
    assertThat(closing.closeReason).isEqualTo("signed out");
    for (Ws w : List.of(open, token)) {
      w.send(new JsonObject().put("type", "ping"));
      assertThat(w.next("pong")).isNotNull();
      assertThat(w.closeCode).isNull();
    }
  }

  @Test
  void aFrameFloodIsToldOnceThenClosedWith4003WhileOtherSocketsAreUntouched() throws Exception {
    Ws calm = fx.ws(a());
    Ws flood = fx.ws(a());
    String ping = new JsonObject().put("type", "ping").encode();
    for (int i = 0; i < 1000 && flood.closeCode == null; i++) flood.socket.writeTextMessage(ping);
    assertThat(flood.awaitClose(Duration.ofSeconds(10))).isEqualTo(CloseCodes.TOO_MANY_FRAMES);
    List<JsonObject> got = new ArrayList<>(flood.frames);
    List<JsonObject> told = got.stream().filter(f -> "error".equals(f.getString("type"))).toList();
    assertThat(told).isNotEmpty().allSatisfy(f -> {
      assertThat(f.getString("code")).isEqualTo("rate_limited");
      assertThat(f.getLong("retryAfterMs")).isPositive();
    });
    assertThat(told.size()).isLessThanOrEqualTo(5); // one notice per second, not one per dropped frame
    long pongs = got.stream().filter(f -> "pong".equals(f.getString("type"))).count();
    assertThat(pongs).isLessThanOrEqualTo(60); // the burst (40) plus what refilled meanwhile
    calm.send(new JsonObject().put("type", "ping"));
    assertThat(calm.next("pong")).isNotNull();
    assertThat(calm.closeCode).isNull();
  }

  @Test
  void aClientJustOverTheBurstIsThrottledNotClosed() throws Exception {
    Ws ws = fx.ws(a());
    String ping = new JsonObject().put("type", "ping").encode();
    for (int i = 0; i < 60; i++) ws.socket.writeTextMessage(ping);
    JsonObject told = ws.next("error");
    assertThat(told.getString("code")).isEqualTo("rate_limited");
    // Come back when the server said, then as soon as a ping is answered (the pings dropped meanwhile
    // draw on the tolerance, far from closing the socket).
    JsonObject pong = Awaitility.await("a ping is answered again").pollDelay(Duration.ofMillis(told.getLong("retryAfterMs")))
        .pollInterval(Duration.ofMillis(50)).atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
          ws.frames.clear();
          ws.send(new JsonObject().put("type", "ping"));
          return ws.next(f -> "pong".equals(f.getString("type")), Duration.ofMillis(200));
        }, java.util.Objects::nonNull);
    assertThat(pong).isNotNull();
    assertThat(ws.closeCode).isNull();
  }

  @Test
  void aRelayedEventReachesTheSocketAsTheVeryBytesPublishedNeverReEncoded() throws Exception {
    String session = fx.newSession(a());
    java.util.concurrent.LinkedBlockingQueue<String> raw = new java.util.concurrent.LinkedBlockingQueue<>();
    Ws ws = fx.ws(a());
    ws.socket.textMessageHandler(raw::add);
    ws.send(new JsonObject().put("type", "subscribe").put("sessionId", session));
    assertThat(new JsonObject(raw.poll(10, java.util.concurrent.TimeUnit.SECONDS)).getString("type")).isEqualTo("ack");
    // spacing, escapes, key order and a 1.50 that any JSON encoder would rewrite: only a byte relay keeps them
    String published = "{ \"type\":\"event\",  \"sessionId\":\"" + session + "\", \"seq\":1,"
        + "\"event\":{\"text\":\"caf\\u00e9 \\ud83d\\ude00\", \"type\":\"delta\"}, \"x\": [1.50] }";
    fx.sessions.sendRaw(session, 1, Buffer.buffer(published));
    // a long one goes out as continuation frames and still arrives as one identical message
    String longText = "é".repeat(70_000);
    String longEvent = "{\"type\":\"event\",\"sessionId\":\"" + session + "\",\"seq\":2,\"event\":{\"type\":\"delta\",\"text\":\"" + longText + "\"}}";
    fx.sessions.sendRaw(session, 2, Buffer.buffer(longEvent));
    // the seq header is what the gateway dedups by: a repeat of seq 2 is not written again
    fx.sessions.sendRaw(session, 2, Buffer.buffer(longEvent));
    fx.sessions.sendRaw(session, 3, Buffer.buffer("{\"type\":\"event\",\"seq\":3}"));
    List<String> got = new ArrayList<>();
    while (got.size() < 3) {
      String f = raw.poll(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(f).as("frame").isNotNull();
      if (f.contains("\"presence\"")) continue;
      got.add(f);
    }
    assertThat(got.get(0)).isEqualTo(published);
    assertThat(got.get(1)).isEqualTo(longEvent);
    assertThat(got.get(2)).isEqualTo("{\"type\":\"event\",\"seq\":3}");
  }

  @Test
  void framesWrittenInOneEventLoopTickReachTheKernelInOneFlush() throws Exception {
    String session = fx.newSession(a());
    for (int i = 1; i <= 5; i++) fx.sessions.emit(session, SessionEvents.delta("d" + i));
    // the client is held until the test ends: one nobody references is closed by a Cleaner at the next GC
    io.vertx.core.net.NetClient net = fx.vertx.createNetClient();
    io.vertx.core.net.NetSocket socket = net.connect(fx.port(), "127.0.0.1").await(10, java.util.concurrent.TimeUnit.SECONDS);
    java.util.concurrent.LinkedBlockingQueue<Buffer> reads = new java.util.concurrent.LinkedBlockingQueue<>();
    socket.handler(reads::add);
    socket.write("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer " + a() + "\r\n\r\n").await();
    Buffer handshake = Buffer.buffer();
    while (!handshake.toString().contains("\r\n\r\n")) handshake.appendBuffer(reads.poll(10, java.util.concurrent.TimeUnit.SECONDS));
    assertThat(handshake.toString()).startsWith("HTTP/1.1 101");
    Buffer afterHandshake = handshake.slice(handshake.toString().indexOf("\r\n\r\n") + 4, handshake.length());
    // the subscribe's answer is written in one tick: the ack, then the 5 held events (the backlog)
    socket.write(maskedText(new JsonObject().put("type", "subscribe").put("sessionId", session).put("afterSeq", 0).encode())).await();
    Buffer first = afterHandshake.length() > 0 ? afterHandshake : reads.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    List<JsonObject> frames = textFrames(first);
    // skipping a ping the heartbeat may have sent first
    while (frames.isEmpty()) frames = textFrames(reads.poll(10, java.util.concurrent.TimeUnit.SECONDS));
    assertThat(frames.get(0).getString("type")).isEqualTo("ack");
    // one flush, one read: all six frames came in the same TCP read
    assertThat(frames).hasSize(6);
    assertThat(frames.subList(1, 6)).extracting(f -> f.getLong("seq")).containsExactly(1L, 2L, 3L, 4L, 5L);
    socket.close();
    net.close();
  }

  private static Buffer maskedText(String text) {
    byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    Buffer b = Buffer.buffer().appendByte((byte) 0x81);
    if (payload.length < 126) b.appendByte((byte) (0x80 | payload.length));
    else b.appendByte((byte) (0x80 | 126)).appendShort((short) payload.length);
    b.appendBytes(mask);
    for (int i = 0; i < payload.length; i++) b.appendByte((byte) (payload[i] ^ mask[i % 4]));
    return b;
  }

  /** The whole text frames in one read (server frames are unmasked and small here); pings are skipped. */
  private static List<JsonObject> textFrames(Buffer read) {
    List<JsonObject> out = new ArrayList<>();
    int pos = 0;
    while (read != null && pos + 2 <= read.length()) {
      int op = read.getByte(pos) & 0x0f;
      int len = read.getByte(pos + 1) & 0x7f;
      int start = pos + 2;
      if (len == 126) {
        len = read.getUnsignedShort(pos + 2);
        start = pos + 4;
      }
      if (start + len > read.length()) break;
      if (op == 1) out.add(new JsonObject(read.getString(start, start + len)));
      pos = start + len;
    }
    return out;
  }
}
