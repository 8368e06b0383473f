package dev.maestro.session;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile: a session may only use its own user's credentials (provider-service resolves a credential
 * by id alone, so a foreign id would stream with somebody else's key). Real auth-service and PostgreSQL.
 */
class CredentialOwnershipTest {
  static Harness h;
  static AuthService auth;
  static String alice;
  static String mallory;
  static String alicesKey;

  @BeforeAll
  static void start() throws Exception {
    h = Harness.startWithAuth(null);
    auth = AuthService.createProxy(h.vertx);
    alice = Harness.newUser();
    mallory = Harness.newUser();
    alicesKey = await(auth.createCredential(alice, new JsonObject().put("provider", "anthropic").put("kind", "api_key")
        .put("apiKey", "sk-ant-alice-" + UUID.randomUUID()))).getString("id");
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void clear() {
    h.provider.reset();
  }

  private static void assertNoSuchCredential(Harness.ThrowingCall call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(ServiceException.class, e -> {
      assertThat(e.failureCode()).isEqualTo(404);
      assertThat(e.getMessage()).contains("no such credential");
    });
  }

  @Test
  void creatingASessionWithAnotherUsersCredentialAnswersNotFound() {
    assertNoSuchCredential(() -> h.newSession(mallory, new JsonObject().put("credentialId", alicesKey)));
    assertNoSuchCredential(() -> h.newSession(mallory, new JsonObject().put("credentialId", UUID.randomUUID().toString())));
    assertNoSuchCredential(() -> h.newSession(mallory, new JsonObject().put("credentialId", "not-a-uuid")));
  }

  @Test
  void theOwnerMayUseTheirCredential() throws Exception {
    JsonObject s = h.newSession(alice, new JsonObject().put("credentialId", alicesKey));
    assertThat(s.getString("credentialId")).isEqualTo(alicesKey);
    Harness.Recorder rec = h.record(s.getString("id"));
    h.provider.script(text("hello alice"), done("end_turn"));
    await(h.sessions.send(alice, s.getString("id"), "hi"));
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("complete");
    assertThat(h.provider.requests.get(0).getString("credentialId")).isEqualTo(alicesKey);
  }

  @Test
  void patchingInAnotherUsersCredentialAnswersNotFoundAndChangesNothing() throws Exception {
    String id = h.newSession(mallory, null).getString("id");
    assertNoSuchCredential(() -> await(h.sessions.update(mallory, id, new JsonObject().put("credentialId", alicesKey))));
    assertThat(await(h.sessions.get(mallory, id)).getString("credentialId")).isNull();
    // clearing it stays allowed
    assertThat(await(h.sessions.update(mallory, id, new JsonObject().putNull("credentialId"))).getString("credentialId")).isNull();
  }

  @Test
  void aTurnWithACredentialThatIsNotTheUsersFailsClearlyAndNothingGoesUpstream() throws Exception {
    // a row from before the check (or written behind the service's back) names alice's key
    String id = h.newSession(mallory, null).getString("id");
    setCredentialInDatabase(id, alicesKey);
    Harness.Recorder rec = h.record(id);
    await(h.sessions.send(mallory, id, "spend alice's money"));
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("error");
    JsonObject error = rec.ofType("turn_error").get(0).getJsonObject("event");
    assertThat(error.getString("code")).isEqualTo("credential_not_found");
    assertThat(error.getString("message")).contains("choose another credential");
    assertThat(h.provider.requests).isEmpty();
  }

  @Test
  void aTurnAfterTheCredentialWasDeletedFailsClearly() throws Exception {
    String key = await(auth.createCredential(alice, new JsonObject().put("provider", "anthropic").put("kind", "api_key")
        .put("apiKey", "sk-ant-temp-" + UUID.randomUUID()))).getString("id");
    String id = h.newSession(alice, new JsonObject().put("credentialId", key)).getString("id");
    await(auth.deleteCredential(alice, key));
    Harness.Recorder rec = h.record(id);
    await(h.sessions.send(alice, id, "hello?"));
    rec.awaitTurnCompleted(1);
    assertThat(rec.ofType("turn_error").get(0).getJsonObject("event").getString("code")).isEqualTo("credential_not_found");
    assertThat(h.provider.requests).isEmpty();
  }

  @Test
  void aForkDoesNotCarryAForeignCredentialIntoTheCopy() throws Exception {
    String id = h.newSession(mallory, null).getString("id");
    setCredentialInDatabase(id, alicesKey);
    JsonObject copy = await(h.sessions.fork(mallory, id, null));
    assertThat(copy.getString("credentialId")).isNull();
    // the owner's own fork keeps it
    String own = h.newSession(alice, new JsonObject().put("credentialId", alicesKey)).getString("id");
    assertThat(await(h.sessions.fork(alice, own, null)).getString("credentialId")).isEqualTo(alicesKey);
  }

  @Test
  void anImportNeverBringsACredential() throws Exception {
    JsonObject export = new JsonObject().put("format", Exports.FORMAT)
        .put("session", new JsonObject().put("title", "imported").put("provider", "anthropic").put("model", "claude-sonnet-4-5")
            .put("credentialId", alicesKey))
        .put("messages", new JsonArray());
    assertThat(await(h.sessions.importSession(mallory, export)).getString("credentialId")).isNull();
  }

  private static void setCredentialInDatabase(String sessionId, String credentialId) throws Exception {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestEnv.pgUrl())).using(h.vertx).build();
    try {
      await(pool.preparedQuery("UPDATE session.session SET credential_id = $2 WHERE id = $1")
          .execute(Tuple.of(UUID.fromString(sessionId), credentialId)));
    } finally {
      pool.close();
    }
  }
}
