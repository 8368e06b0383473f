package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * session-service publishes the public lifecycle events of BUS.md on maestro.events, each in the
 * documented envelope (IntegrationEvents.problem is null): a session's creation, a turn with an
 * approval that is answered, the turn's summed usage, the deletion; and no message text or tool
 * argument leaves on that address.
 */
class IntegrationEventsPublishedTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(null);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @Test
  void aSessionsLifeIsPublishedInTheDocumentedShape() throws Exception {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> c = h.vertx.eventBus().consumer(Addresses.EVENTS, m -> seen.add(m.body()));
    await(c.completion());
    h.tools.policies.put("echo", "ask");
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(toolCall("c1", "echo", new JsonObject().put("secretArg", "do-not-leak")), usage(100, 20), done("tool_use"));
    h.provider.script(text("the private answer"), usage(300, 40), done("end_turn"));
    await(h.sessions.send(user, id, "a private question"));
    rec.awaitType("approval_required");
    await(h.sessions.approve(user, id, "c1", "allow"));
    rec.awaitTurnCompleted(1);
    await(h.sessions.delete(user, id));

    List<JsonObject> mine = Awaitility.await().atMost(Duration.ofSeconds(10)).until(
        () -> seen.stream().filter(e -> id.equals(e.getString("sessionId"))).toList(),
        l -> l.stream().anyMatch(e -> IntegrationEvents.SESSION_DELETED.equals(e.getString("type"))));
    assertThat(mine).extracting(e -> e.getString("type")).containsExactly(IntegrationEvents.SESSION_CREATED,
        IntegrationEvents.TURN_STARTED, IntegrationEvents.APPROVAL_REQUIRED, IntegrationEvents.APPROVAL_ANSWERED,
        IntegrationEvents.TURN_COMPLETED, IntegrationEvents.SESSION_DELETED);
    for (JsonObject e : mine) {
      assertThat(IntegrationEvents.problem(e)).as(e.encode()).isNull();
      assertThat(e.getString("userId")).isEqualTo(user);
      assertThat(e.encode()).doesNotContain("private").doesNotContain("do-not-leak");
    }
    JsonObject created = mine.get(0).getJsonObject("data");
    assertThat(created.getString("provider")).isEqualTo("anthropic");
    assertThat(created.getString("model")).isEqualTo("claude-sonnet-4-5");
    String turnId = mine.get(1).getJsonObject("data").getString("turnId");
    assertThat(mine.get(2).getJsonObject("data").getString("turnId")).isEqualTo(turnId);
    assertThat(mine.get(2).getJsonObject("data").getString("callId")).isEqualTo("c1");
    assertThat(mine.get(2).getJsonObject("data").getString("tool")).isEqualTo("echo");
    assertThat(mine.get(3).getJsonObject("data")).isEqualTo(new JsonObject().put("callId", "c1").put("decision", "allow"));
    JsonObject done = mine.get(4).getJsonObject("data");
    assertThat(done.getString("turnId")).isEqualTo(turnId);
    assertThat(done.getString("status")).isEqualTo("complete");
    // the usage of both model calls of the turn, summed
    assertThat(done.getJsonObject("usage").getLong("inputTokens")).isEqualTo(400);
    assertThat(done.getJsonObject("usage").getLong("outputTokens")).isEqualTo(60);
    c.unregister();
  }

  @Test
  void aForkIsACreatedSessionAndAFailedDeleteIsNothing() throws Exception {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> c = h.vertx.eventBus().consumer(Addresses.EVENTS, m -> seen.add(m.body()));
    await(c.completion());
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    String fork = await(h.sessions.fork(user, s.getString("id"), null)).getString("id");
    // another user's delete of it fails (404) and announces nothing
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(h.sessions.delete(Harness.newUser(), fork)));
    JsonObject created = Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream()
        .filter(e -> fork.equals(e.getString("sessionId"))).findFirst(), java.util.Optional::isPresent).get();
    assertThat(created.getString("type")).isEqualTo(IntegrationEvents.SESSION_CREATED);
    assertThat(created.getString("userId")).isEqualTo(user);
    assertThat(IntegrationEvents.problem(created)).isNull();
    await(h.sessions.delete(user, s.getString("id")));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(e -> s.getString("id").equals(e.getString("sessionId"))
        && IntegrationEvents.SESSION_DELETED.equals(e.getString("type"))));
    assertThat(seen).filteredOn(e -> fork.equals(e.getString("sessionId"))).hasSize(1);
    c.unregister();
  }
}
