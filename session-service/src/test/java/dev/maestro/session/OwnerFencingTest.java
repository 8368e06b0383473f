package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 17, a network partition simulated: two unclustered nodes (A and B, each its own Vert.x, owners
 * map and fakes) over one PostgreSQL both believe they own the same session. A activates it first, B
 * activates it while A is still live. A's copy is then stale: its writes, tool runs and publishes are
 * refused and it stops itself; B's go through; no row is written twice and seq numbers never repeat.
 */
class OwnerFencingTest {
  static Harness a;
  static Harness b;
  static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    a = Harness.start(null);
    b = Harness.start(null);
    pool = Database.pool(a.vertx, MaestroConfig.of(TestEnv.config()), SessionServiceVerticle.SCHEMA, 2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (a != null) a.close();
    if (b != null) b.close();
  }

  private static JsonObject state(Harness node, String sessionId) throws Exception {
    return await(node.verticle.router().call(sessionId, new LiveCommand.State()));
  }

  private static void awaitNotLive(Harness node) {
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
        .until(() -> node.verticle.router().liveCount() == 0);
  }

  private static List<Row> rows(String sql, Object... params) throws Exception {
    List<Row> out = new ArrayList<>();
    await(pool.preparedQuery(sql).execute(Tuple.from(params))).forEach(out::add);
    return out;
  }

  @Test
  void aStaleOwnerCannotStoreAMessageAndStopsWhileTheNewOwnerGoesOn() throws Exception {
    String user = Harness.newUser();
    JsonObject s = a.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder recA = a.record(id);
    Harness.Recorder recB = b.record(id);
    a.provider.script(text("one back"), done("end_turn"));
    await(a.sessions.send(user, id, "one"));
    recA.awaitTurnCompleted(1);
    long epochA = state(a, id).getLong("epoch");

    // B activates the session while A's copy is still live: B's epoch is newer
    long epochB = state(b, id).getLong("epoch");
    assertThat(epochB).isEqualTo(epochA + 1);
    assertThat(a.verticle.router().liveCount()).isEqualTo(1);
    int publishedByA = recA.events.size();
    int requestsByA = a.provider.requests.size();

    // A's copy stores nothing: STALE_OWNER, and it lets go of the session
    assertThatThrownBy(() -> await(a.sessions.send(user, id, "from the stale side")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.STALE_OWNER));
    awaitNotLive(a);
    assertThat(recA.events).hasSize(publishedByA);
    assertThat(rows("SELECT 1 FROM message WHERE session_id = $1 AND text_content LIKE '%stale side%'", UUID.fromString(id))).isEmpty();
    // the first request of a turn leaves while its start commits (issue 14): if it had left, the refused
    // commit cancelled it. The request and its cancel may still be on their way when the send has failed
    // (seen under load: counted 0 requests here, then request and cancel arrived), so this compares the two
    // counts as they are, here and again at the end, when A's messages have long arrived
    awaitLeftRequestsCancelled(a, requestsByA);

    // B's copy goes on, its ordinals and seq numbers right after A's
    b.provider.script(text("two back"), done("end_turn"));
    JsonObject ack = await(b.sessions.send(user, id, "two"));
    recB.await(e -> "turn_completed".equals(e.getString("type")) && ack.getString("turnId").equals(e.getString("turnId")), 10_000);
    List<Row> msgs = rows("SELECT ordinal, role FROM message WHERE session_id = $1 ORDER BY ordinal", UUID.fromString(id));
    assertThat(msgs.stream().map(r -> r.getInteger("ordinal")).toList()).containsExactly(0, 1, 2, 3);
    assertThat(rows("SELECT message_count FROM session WHERE id = $1", UUID.fromString(id)).get(0).getInteger("message_count")).isEqualTo(4);
    assertSeqs(recA, epochA, recB, epochB);
    awaitLeftRequestsCancelled(a, requestsByA);
  }

  /**
   * At most one request left the stale node since the counts were taken, and each one that did was cancelled
   * (once or more: the refused commit and the let-go of the fenced copy may both cancel it; a cancel is
   * idempotent). Matched by stream id: a late cancel of an earlier stream (its let-go) is not this one's.
   */
  private static void awaitLeftRequestsCancelled(Harness node, int requestsBefore) {
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> node.provider.cancelled.containsAll(node.provider.streamIds.subList(requestsBefore, node.provider.streamIds.size())));
    assertThat(node.provider.requests.size() - requestsBefore).as("requests that left the stale node").isBetween(0, 1);
  }

  @Test
  void aStaleOwnerNeverRunsATool() throws Exception {
    String user = Harness.newUser();
    JsonObject s = a.newSession(user, null);
    String id = s.getString("id");
    a.tools.policies.put("echo", "ask");
    Harness.Recorder recA = a.record(id);
    Harness.Recorder recB = b.record(id);
    a.provider.script(toolCall("f1", "echo", new JsonObject().put("x", 1)), done("tool_use"));
    JsonObject ack = await(a.sessions.send(user, id, "use the tool"));
    recA.awaitType("approval_required");
    long epochA = state(a, id).getLong("epoch");

    // B takes the session over (its activation stores A's turn as interrupted)
    long epochB = state(b, id).getLong("epoch");
    JsonObject interrupted = recB.awaitType("turn_completed").getJsonObject("event");
    assertThat(interrupted.getString("turnId")).isEqualTo(ack.getString("turnId"));
    assertThat(interrupted.getString("status")).isEqualTo("interrupted");
    int publishedByA = recA.events.size();

    // the user approves on A's side: the call is refused before it reaches tool-service
    await(a.sessions.approve(user, id, "f1", "allow"));
    awaitNotLive(a);
    assertThat(a.tools.executed).isEmpty();
    assertThat(b.tools.executed).isEmpty();
    assertThat(rows("SELECT 1 FROM tool_run WHERE session_id = $1", UUID.fromString(id))).isEmpty();
    // and A published nothing more: no tool_result, no turn_completed of its own
    assertThat(recA.events).hasSize(publishedByA);
    assertThat(rows("SELECT status FROM turn WHERE id = $1", UUID.fromString(ack.getString("turnId"))).get(0).getString("status"))
        .isEqualTo("interrupted");

    // the current owner runs tools (and records their start under its epoch)
    b.tools.policies.put("echo", "allow");
    b.provider.script(toolCall("f2", "echo", new JsonObject().put("x", 2)), done("tool_use"));
    b.provider.script(text("done"), done("end_turn"));
    JsonObject ack2 = await(b.sessions.send(user, id, "again"));
    recB.await(e -> "turn_completed".equals(e.getString("type")) && ack2.getString("turnId").equals(e.getString("turnId")), 10_000);
    assertThat(b.tools.executed).hasSize(1);
    List<Row> runs = rows("SELECT call_id, owner_epoch FROM tool_run WHERE session_id = $1", UUID.fromString(id));
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).getString("call_id")).isEqualTo("f2");
    assertThat(runs.get(0).getLong("owner_epoch")).isEqualTo(epochB);
    assertSeqs(recA, epochA, recB, epochB);
  }

  @Test
  void aStaleOwnerStreamingLearnsAtItsNextCheckpointAndCancelsItsProviderStream() throws Exception {
    String user = Harness.newUser();
    JsonObject s = a.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder recA = a.record(id);
    Harness.Recorder recB = b.record(id);
    a.provider.script(text("partial answer "), hold("fence-stream"));
    JsonObject ack = await(a.sessions.send(user, id, "stream please"));
    recA.awaitType("delta");
    long epochA = state(a, id).getLong("epoch");

    long epochB = state(b, id).getLong("epoch");
    recB.awaitType("turn_completed");
    // A's next checkpoint (≤ 1 s) finds its epoch stale: it stops its provider stream and undeploys
    awaitNotLive(a);
    assertThat(a.provider.cancelled).isNotEmpty();
    a.provider.release("fence-stream");
    assertThat(recA.ofType("turn_completed")).isEmpty();
    List<Row> msgs = rows("SELECT role, status, text_content FROM message WHERE session_id = $1 ORDER BY ordinal", UUID.fromString(id));
    assertThat(msgs).hasSize(2);
    assertThat(msgs.get(1).getString("status")).isEqualTo("interrupted");
    assertThat(rows("SELECT status FROM turn WHERE id = $1", UUID.fromString(ack.getString("turnId"))).get(0).getString("status"))
        .isEqualTo("interrupted");
    assertSeqs(recA, epochA, recB, epochB);
  }

  /**
   * Chaos partition, after the merge: B (the cut-off side) took the session over and ended A's running turn
   * as interrupted, an event only B's copy held; then the session is served from A's side again (a newer
   * epoch: B's copy is stale). A client that followed A's copy resumes with the last seq it saw and must
   * get the turn's end — the very envelope B published (same seq, B's epoch) — not wait for it forever.
   */
  @Test
  void aTurnEndedByACopyThatIsThenFencedReachesAClientResumingFromTheNextOwner() throws Exception {
    String user = Harness.newUser();
    JsonObject s = a.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder recA = a.record(id);
    Harness.Recorder recB = b.record(id);
    a.provider.script(text("partial answer "), hold("replay-stream"));
    String turnId = await(a.sessions.send(user, id, "stream please")).getString("turnId");
    recA.awaitType("delta");
    long seen = recA.events.stream().mapToLong(e -> e.getLong("seq")).max().orElseThrow();

    long epochB = state(b, id).getLong("epoch");
    JsonObject endAtB = recB.awaitType("turn_completed");
    assertThat(endAtB.getJsonObject("event").getString("turnId")).isEqualTo(turnId);
    awaitNotLive(a);
    a.provider.release("replay-stream");
    assertThat(recA.ofType("turn_completed")).isEmpty();

    // A's side serves the session again (its owner map names nobody): B's copy, which alone published the end, is stale
    JsonArray items = await(a.sessions.events(user, id, seen)).getJsonArray("items");
    assertThat(state(a, id).getLong("epoch")).isEqualTo(epochB + 1);
    assertThat(items.size()).isGreaterThanOrEqualTo(2);
    long endSeq = endAtB.getLong("seq");
    // what lies between the client's seq and that end (B's numbers; in a partition, deltas B streamed to its
    // side) nobody holds: announced first, under the seq just below the end, so the client's numbers stay
    // contiguous and it reloads the turn's stored messages
    JsonObject marker = items.getJsonObject(0);
    assertThat(marker.getLong("seq")).isEqualTo(endSeq - 1);
    assertThat(marker.getLong("epoch")).isEqualTo(epochB);
    assertThat(marker.getJsonObject("event").getString("type")).isEqualTo("truncated");
    assertThat(marker.getJsonObject("event").getLong("fromSeq")).isEqualTo(seen + 1);
    assertThat(marker.getJsonObject("event").getLong("throughSeq")).isEqualTo(endSeq - 1);
    assertThat(marker.getJsonObject("event").getString("turnId")).isEqualTo(turnId);
    JsonObject first = items.getJsonObject(1);
    assertThat(first.getLong("seq")).isEqualTo(endSeq);
    assertThat(first.getLong("epoch")).isEqualTo(epochB);
    assertThat(first.getJsonObject("event")).isEqualTo(endAtB.getJsonObject("event"));
    // a client that has every number before the end gets the end alone: nothing to announce
    JsonArray justBefore = await(a.sessions.events(user, id, endSeq - 1)).getJsonArray("items");
    assertThat(justBefore.getJsonObject(0).getLong("seq")).isEqualTo(endSeq);
    assertThat(justBefore.stream().map(o -> ((JsonObject) o).getJsonObject("event").getString("type"))).doesNotContain("truncated");
    // the follower of A's old copy follows the new one and gets that end too, through its inbox, once, announced
    JsonObject atA = recA.await(e -> "turn_completed".equals(e.getString("type")), 10_000);
    assertThat(atA.getLong("seq")).isEqualTo(endSeq);
    assertThat(atA.getLong("epoch")).isEqualTo(epochB);
    assertThat(recA.ofType("truncated")).singleElement().satisfies(m -> {
      assertThat(m.getLong("seq")).isEqualTo(endSeq - 1);
      assertThat(m.getJsonObject("event").getString("turnId")).isEqualTo(turnId);
    });
    // a client that has it (or that saw nothing yet and reads the stored state) is not handed it again
    JsonArray after = await(a.sessions.events(user, id, endAtB.getLong("seq"))).getJsonArray("items");
    assertThat(after.stream().map(o -> ((JsonObject) o).getJsonObject("event").getString("type"))).doesNotContain("turn_completed");
    JsonArray fresh = await(a.sessions.events(user, id, 0)).getJsonArray("items");
    assertThat(fresh.stream().map(o -> ((JsonObject) o).getJsonObject("event").getString("type"))).doesNotContain("turn_completed");
    assertThat(recA.ofType("turn_completed")).hasSize(1);
    assertThat(rows("SELECT end_seq, end_epoch FROM turn WHERE id = $1", UUID.fromString(turnId)).get(0).toJson())
        .isEqualTo(new JsonObject().put("end_seq", endAtB.getLong("seq")).put("end_epoch", epochB));
    // (the other tests count the live copies of each node)
    await(a.verticle.router().passivateNow(id));
    await(b.verticle.router().passivateNow(id));
  }

  @Test
  void everyWriteOfAStaleEpochAffectsNothingAndIsRefusedOnce() throws Exception {
    String user = Harness.newUser();
    String id = a.newSession(user, null).getString("id");
    SessionStore store = new SessionStore(pool);
    SessionStore.Claim first = await(store.claimLive(user, id, "node-a/r", 10, o -> false, EventLog.RESERVE));
    SessionStore.Claim second = await(store.claimLive(user, id, "node-b/r", 10, o -> false, EventLog.RESERVE));
    assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
    // disjoint seq blocks: the second activation starts where the first one's block ends
    assertThat(second.seqStart()).isEqualTo(first.seqStart() + EventLog.RESERVE);

    OwnerFence stale = new OwnerFence(id, first.epoch());
    AtomicInteger stops = new AtomicInteger();
    stale.onStale(stops::incrementAndGet);
    OwnerFence current = new OwnerFence(id, second.epoch());
    current.onStale(() -> { throw new AssertionError("the current owner was fenced"); });

    String turnId = UUID.randomUUID().toString();
    JsonObject user0 = message(turnId, 0, "user");
    // the turn start: the user message and the assistant placeholder, in one transaction
    JsonObject placeholder = message(turnId, 1, "assistant").put("status", "streaming");
    await(store.startTurn(id, user, user0, placeholder, turnId, "node-b/r", 10, o -> false, null, current));
    JsonObject assistant = message(turnId, 2, "assistant").put("status", "streaming");

    // a stale copy whose history is behind hands out ordinals the current owner has used: it is refused for
    // its epoch (and stops), not failed on the ordinal's unique key — which left it live, failing every send
    // (chaos partition after the merge)
    String behind = UUID.randomUUID().toString();
    refused(store.startTurn(id, user, message(behind, 0, "user"), message(behind, 1, "assistant"), behind,
        "node-a/r", 10, o -> false, null, stale));
    assertThat(stops).hasValue(1);
    refused(store.insertMessage(id, assistant, stale));
    refused(store.updateMessage(user0.copy().put("status", "error"), stale));
    refused(store.endTurn(id, placeholder.copy().put("status", "complete"), new JsonObject().put("inputTokens", 5L), null, turnId,
        "complete", null, null, stale));
    refused(store.addUsage(id, new JsonObject().put("inputTokens", 5L), stale));
    refused(store.setSeqCeiling(id, second.seqStart() + 10 * EventLog.RESERVE, stale));
    refused(store.recordToolRun(id, turnId, "c1", stale));
    String staleTurn = UUID.randomUUID().toString();
    refused(store.startTurn(id, user, message(staleTurn, 3, "user"), message(staleTurn, 4, "assistant"), staleTurn,
        "node-a/r", 10, o -> false, null, stale));
    assertThat(stops).hasValue(1);
    assertThat(stale.stale()).isTrue();
    assertThat(await(store.interruptRunning(id, stale))).isEmpty();

    JsonObject row = rows("SELECT message_count, input_tokens, seq_ceiling FROM session WHERE id = $1", UUID.fromString(id)).get(0).toJson();
    assertThat(row.getInteger("message_count")).isEqualTo(2);
    assertThat(row.getLong("input_tokens")).isZero();
    assertThat(row.getLong("seq_ceiling")).isEqualTo(second.seqStart() + EventLog.RESERVE);
    assertThat(rows("SELECT status FROM message WHERE session_id = $1 ORDER BY ordinal", UUID.fromString(id)).stream()
        .map(r -> r.getString("status")).toList()).containsExactly("complete", "streaming");
    assertThat(rows("SELECT status FROM turn WHERE id = $1", UUID.fromString(turnId)).get(0).getString("status")).isEqualTo("running");

    // the current owner's writes go through
    await(store.insertMessage(id, assistant, current));
    await(store.updateMessage(assistant.copy().put("status", "complete"), current));
    await(store.recordToolRun(id, turnId, "c1", current));
    await(store.endTurn(id, placeholder.copy().put("status", "complete"), new JsonObject().put("inputTokens", 5L), null, turnId,
        "complete", null, null, current));
    assertThat(rows("SELECT count(*) AS n FROM message WHERE session_id = $1", UUID.fromString(id)).get(0).getLong("n")).isEqualTo(3L);
    assertThat(rows("SELECT input_tokens FROM session WHERE id = $1", UUID.fromString(id)).get(0).getLong("input_tokens")).isEqualTo(5L);
    assertThat(rows("SELECT status FROM turn WHERE id = $1", UUID.fromString(turnId)).get(0).getString("status")).isEqualTo("complete");
  }

  private static JsonObject message(String turnId, int ordinal, String role) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("ordinal", ordinal).put("turnId", turnId).put("role", role)
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", role + " " + ordinal)))
        .put("status", "complete");
  }

  private static void refused(io.vertx.core.Future<?> write) {
    assertThatThrownBy(() -> await(write))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.STALE_OWNER));
  }

  /**
   * Each node's events carry its own epoch; B's seq numbers are contiguous and all above A's, so no
   * seq is published twice.
   */
  private static void assertSeqs(Harness.Recorder recA, long epochA, Harness.Recorder recB, long epochB) {
    List<Long> seqA = recA.events.stream().map(e -> e.getLong("seq")).toList();
    List<Long> seqB = recB.events.stream().map(e -> e.getLong("seq")).toList();
    assertThat(recA.events).allSatisfy(e -> assertThat(e.getLong("epoch")).isEqualTo(epochA));
    assertThat(recB.events).allSatisfy(e -> assertThat(e.getLong("epoch")).isEqualTo(epochB));
    assertThat(seqA).doesNotHaveDuplicates();
    assertThat(seqB).isNotEmpty().doesNotHaveDuplicates();
    for (int i = 1; i < seqB.size(); i++) assertThat(seqB.get(i)).isEqualTo(seqB.get(i - 1) + 1);
    if (!seqA.isEmpty()) assertThat(seqB.get(0)).isGreaterThan(seqA.stream().mapToLong(Long::longValue).max().orElseThrow());
  }
}
