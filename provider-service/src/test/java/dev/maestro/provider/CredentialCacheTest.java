package dev.maestro.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.provider.support.Harness;
import dev.maestro.provider.support.StreamHandle;
import dev.maestro.provider.wire.Credential;
import dev.maestro.testkit.fake.FakeUpstream;
import dev.maestro.testkit.services.FakeAuthService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** provider-service keeps resolved credentials in memory; every way they change reaches the next turn. */
class CredentialCacheTest {
  static Vertx vertx;

  @BeforeAll
  static void up() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void down() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Credential resolve(Credentials c, String id) throws Exception {
    return c.resolve(id).await(5, TimeUnit.SECONDS);
  }

  @Test
  void aSecondTurnIsServedFromMemoryAndAChangeEventDropsIt() throws Exception {
    FakeAuthService auth = FakeAuthService.likeTheRealService();
    String id = UUID.randomUUID().toString();
    auth.put(id, "openai", "http://127.0.0.1:1/v1", "key-1", "api_key");
    Credentials c = new Credentials(auth, 60_000, System::currentTimeMillis);
    c.listen(vertx).await(5, TimeUnit.SECONDS);
    try {
      assertThat(resolve(c, id).secret()).isEqualTo("key-1");
      assertThat(resolve(c, id).secret()).isEqualTo("key-1");
      assertThat(auth.resolves.get()).isEqualTo(1);

      // the key is rotated at auth-service, which announces it: the next resolve asks again
      auth.put(id, "openai", "http://127.0.0.1:1/v1", "key-2", "api_key");
      vertx.eventBus().publish(Addresses.CREDENTIAL_CHANGED, new JsonObject().put("credentialId", id).put("reason", "refreshed"));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(resolve(c, id).secret()).isEqualTo("key-2"));

      // a status change (e.g. needs_reauth) drops it too; a deleted credential then fails as at auth-service
      auth.credentials.remove(id);
      vertx.eventBus().publish(Addresses.CREDENTIAL_STATUS, new JsonObject().put("credentialId", id).put("status", "invalid"));
      // the resolve then fails with auth-service's NOT_FOUND: what a turn on a deleted credential sees
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(() -> resolve(c, id)).hasMessageContaining("credential"));
      assertThat(c.size()).isZero();
    } finally {
      c.close().await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theTtlIsABackstopForALostEventAndATokenIsNotServedNearItsExpiry() throws Exception {
    FakeAuthService auth = FakeAuthService.likeTheRealService();
    String id = UUID.randomUUID().toString();
    auth.put(id, "openai", "http://127.0.0.1:1/v1", "key-1", "api_key");
    AtomicLong now = new AtomicLong(1_000_000);
    Credentials c = new Credentials(auth, 60_000, now::get);
    resolve(c, id);
    now.addAndGet(59_000);
    resolve(c, id);
    assertThat(auth.resolves.get()).isEqualTo(1);
    auth.put(id, "openai", "http://127.0.0.1:1/v1", "key-2", "api_key");   // the event is lost
    now.addAndGet(1_000);
    assertThat(resolve(c, id).secret()).isEqualTo("key-2");
    assertThat(auth.resolves.get()).isEqualTo(2);

    // an OAuth token expiring within the margin is never cached
    String oauth = UUID.randomUUID().toString();
    auth.put(oauth, "openai", "http://127.0.0.1:1/v1", "tok", "bearer");
    auth.credentials.get(oauth).put("expiresAt", Instant.ofEpochMilli(now.get() + 20_000).toString());
    resolve(c, oauth);
    resolve(c, oauth);
    assertThat(auth.resolves.get()).isEqualTo(4);

    // TTL 0: no caching at all
    Credentials off = new Credentials(auth, 0, now::get);
    resolve(off, id);
    resolve(off, id);
    assertThat(auth.resolves.get()).isEqualTo(6);
  }

  @Test
  void aResolveInFlightWhenTheCredentialChangesIsNotCached() throws Exception {
    Promise<JsonObject> answer = Promise.promise();
    AtomicLong calls = new AtomicLong();
    AuthService slow = (AuthService) Proxy.newProxyInstance(AuthService.class.getClassLoader(), new Class<?>[] {AuthService.class},
        (proxy, m, args) -> {
          if (!m.getName().equals("resolveSecret")) throw new UnsupportedOperationException(m.getName());
          return calls.incrementAndGet() == 1 ? answer.future()
              : Future.succeededFuture(new JsonObject().put("id", args[0]).put("provider", "openai").put("secret", "new"));
        });
    Credentials c = new Credentials(slow, 60_000, System::currentTimeMillis);
    Future<Credential> first = c.resolve("cred-1");
    c.invalidate("cred-1");   // the change event arrives while auth-service still answers with the old secret
    answer.complete(new JsonObject().put("id", "cred-1").put("provider", "openai").put("secret", "old"));
    assertThat(first.await(5, TimeUnit.SECONDS).secret()).isEqualTo("old");
    assertThat(resolve(c, "cred-1").secret()).isEqualTo("new");
    assertThat(calls.get()).isEqualTo(2);
  }

  /** Through the real verticle: a rotated key is what the upstream sees on the very next stream. */
  @Test
  void aRotatedKeyTakesEffectOnTheNextTurn() throws Exception {
    try (Harness h = Harness.start(new JsonObject())) {
      FakeUpstream fake = h.fake();
      String cred = h.credential("openai", fake, "key-before", "api_key");
      h.stream(Harness.request("openai", cred, "gpt-4o", "one")).awaitEnd();
      h.stream(Harness.request("openai", cred, "gpt-4o", "two")).awaitEnd();
      assertThat(h.auth.resolves.get()).isEqualTo(1);
      h.auth.credentials.get(cred).put("secret", "key-after");
      h.vertx.eventBus().publish(Addresses.CREDENTIAL_CHANGED, new JsonObject().put("credentialId", cred).put("reason", "refreshed"));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        StreamHandle s = h.stream(Harness.request("openai", cred, "gpt-4o", "three"));
        s.awaitEnd();
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer key-after");
      });
      fake.close();
    }
  }
}
