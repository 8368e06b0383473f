package dev.maestro.session;

import dev.maestro.contracts.auth.AuthService;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: a live session's turns ask auth-service whether the session's credential is still its user's once,
 * not every turn; a deletion (announced by auth-service on maestro.auth.credential-changed) fails the very next
 * turn with credential_not_found, before anything goes upstream. The real auth-service runs in the harness; its
 * getCredential calls are counted by an outbound interceptor on the bus.
 */
class CredentialTurnCheckTest {
  static Harness h;
  static AuthService auth;
  static final AtomicInteger getCredential = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    h = Harness.startWithAuth(null);
    auth = AuthService.createProxy(h.vertx);
    h.vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (AuthService.ADDRESS.equals(ctx.message().address()) && "getCredential".equals(ctx.message().headers().get("action"))) {
        getCredential.incrementAndGet();
      }
      ctx.next();
    });
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void clear() {
    h.provider.reset();
  }

  @Test
  void aLiveSessionChecksItsCredentialOnceAndADeletionFailsTheNextTurn() throws Exception {
    String alice = Harness.newUser();
    String key = await(auth.createCredential(alice, new JsonObject().put("provider", "anthropic").put("kind", "api_key")
        .put("apiKey", "sk-ant-turns-" + UUID.randomUUID()))).getString("id");
    String id = h.newSession(alice, new JsonObject().put("credentialId", key)).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.fallback = request -> java.util.List.of(text("ok"), done("end_turn"));
    int before = getCredential.get();
    for (int i = 1; i <= 3; i++) {
      await(h.sessions.send(alice, id, "turn " + i));
      assertThat(rec.awaitTurnCompleted(i).getJsonObject("event").getString("status")).isEqualTo("complete");
    }
    assertThat(getCredential.get() - before).isEqualTo(1);
    assertThat(h.provider.requests).hasSize(3);

    await(auth.deleteCredential(alice, key));
    await(h.sessions.send(alice, id, "after the delete"));
    rec.awaitTurnCompleted(4);
    assertThat(rec.ofType("turn_error")).hasSize(1);
    assertThat(rec.ofType("turn_error").get(0).getJsonObject("event").getString("code")).isEqualTo("credential_not_found");
    assertThat(h.provider.requests).hasSize(3);
  }
}
