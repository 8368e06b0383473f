package dev.maestro.session;

import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * As {@link OwnerFailoverTest}, but nobody touches the session after the owner is killed mid-turn:
 * the survivor notices the member leaving ({@link OrphanedTurns}), takes the session over, stores the
 * turn as interrupted and announces it. Only reads that never activate a session (get: PostgreSQL;
 * the owners map) are used to watch.
 */
class FailoverWithoutClientTest {
  static SessionCluster cluster;
  static Vertx fakesNode;
  static Harness fakes;
  static Harness a;
  static Harness b;

  @BeforeAll
  static void start() throws Exception {
    cluster = SessionCluster.start("session-failover-noclient", null, null);
    fakesNode = cluster.clientNode;
    fakes = cluster.fakes;
    a = cluster.node(0);
    b = cluster.node(1);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aSurvivorTakesOverAndStoresTheInterruptedTurnBeforeAnyClientActs() throws Exception {
    String user = Harness.newUser();
    SessionService viaFakes = SessionService.createProxy(fakesNode);
    String id = await(viaFakes.create(user, new JsonObject().put("title", "failover").put("provider", "anthropic")
        .put("model", "claude-sonnet-4-5"))).getString("id");
    Harness.Recorder rec = fakes.record(id);
    fakes.provider.script(text("before the crash "), hold("forever"));
    JsonObject ack = await(viaFakes.send(user, id, "keep going"));
    rec.awaitType("delta");
    String owner = cluster.owner(id);
    Harness dead = owner.equals(a.verticle.router().ownerId()) ? a : b;
    Harness alive = dead == a ? b : a;
    assertThat(alive.verticle.router().liveCount()).isZero();

    // what has streamed is checkpointed while the round is still streaming (StreamCheckpoints)
    SessionService viaAlive = SessionService.createProxy(alive.vertx);
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> await(viaAlive.get(user, id)).getJsonArray("messages"),
            m -> m.size() == 2 && "before the crash ".equals(partText(m.getJsonObject(1))));

    long t0 = System.nanoTime();
    SessionCluster.kill(dead);

    // no client call: the survivor re-activates the session by itself
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> alive.verticle.router().liveCount() == 1);
    JsonArray msgs = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> await(SessionService.createProxy(alive.vertx).get(user, id)).getJsonArray("messages"),
            m -> m.size() == 2 && "interrupted".equals(m.getJsonObject(1).getString("status")));
    long recoveredMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(msgs.getJsonObject(0).getString("id")).isEqualTo(ack.getString("messageId"));
    assertThat(partText(msgs.getJsonObject(1))).as("the interrupted message keeps what had streamed").isEqualTo("before the crash ");
    String newOwner = cluster.owner(id);
    assertThat(newOwner).isEqualTo(alive.verticle.router().ownerId());
    // the survivor's own event log ends the turn visibly (what a resuming client reads)
    JsonObject state = await(alive.verticle.router().call(id, new LiveCommand.Events(0)));
    assertThat(state.getJsonArray("items").stream().map(e -> ((JsonObject) e).getJsonObject("event"))
        .filter(e -> "turn_completed".equals(e.getString("type")) && ack.getString("turnId").equals(e.getString("turnId")))
        .map(e -> e.getString("status"))).containsExactly("interrupted");
    System.out.println("failover without client action: session re-activated and turn stored as interrupted "
        + recoveredMs + " ms after the owner's member was terminated");
  }

  private static String partText(JsonObject message) {
    JsonArray content = message.getJsonArray("content");
    return content == null || content.isEmpty() ? "" : content.getJsonObject(0).getString("text", "");
  }
}
