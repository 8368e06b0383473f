package dev.maestro.session;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A provider stream that goes silent is cancelled after MAESTRO_SESSION_STREAM_IDLE_SECONDS. */
class StreamTimeoutTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    h = Harness.start(new JsonObject().put(SessionSettings.STREAM_IDLE_TIMEOUT, "1"));
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @Test
  void aSilentProviderStreamIsCancelledAndTheTurnEndsWithTimeout() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(text("and then... "), hold("silence"));
    await(h.sessions.send(user, id, "hang"));
    JsonObject completed = rec.awaitTurnCompleted(1);
    assertThat(completed.getJsonObject("event").getString("status")).isEqualTo("error");
    assertThat(rec.ofType("turn_error").get(0).getJsonObject("event").getString("code")).isEqualTo("timeout");
    assertThat(h.provider.cancelled).isNotEmpty();
    assertThat(await(h.sessions.get(user, id)).getJsonArray("messages").getJsonObject(1).getString("status")).isEqualTo("error");
  }
}
