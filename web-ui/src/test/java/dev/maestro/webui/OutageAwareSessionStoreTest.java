package dev.maestro.webui;

import dev.maestro.testkit.TestEnv;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.redis.RedisSessionStore;
import io.vertx.redis.client.Redis;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two requests of one browser that both change its session: neither is an error, and Redis is not blamed. */
class OutageAwareSessionStoreTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theSecondOfTwoConcurrentChangesIsNotAFailure() throws Exception {
    OutageAwareSessionStore store = new OutageAwareSessionStore(RedisSessionStore.create(vertx, Redis.createClient(vertx, TestEnv.redisUrl())));
    Session created = store.createSession(60_000);
    created.put("csrf", "t");
    store.put(created).await(10, TimeUnit.SECONDS);
    // both requests read the same stored copy
    Session first = store.get(created.id()).await(10, TimeUnit.SECONDS);
    Session second = store.get(created.id()).await(10, TimeUnit.SECONDS);
    first.put("flash", "from the first tab");
    store.put(first).await(10, TimeUnit.SECONDS);
    second.put("flash", "from the second tab");
    store.put(second).await(10, TimeUnit.SECONDS);
    // the copy stored first stands
    assertThat((String) store.get(created.id()).await(10, TimeUnit.SECONDS).get("flash")).isEqualTo("from the first tab");
  }

  @Test
  void anUnreachableRedisIsStillAClear503() {
    OutageAwareSessionStore store = new OutageAwareSessionStore(RedisSessionStore.create(vertx, Redis.createClient(vertx, "redis://127.0.0.1:1")));
    Session s = store.createSession(60_000);
    s.put("csrf", "t");
    assertThatThrownBy(() -> store.put(s).await(10, TimeUnit.SECONDS)).isInstanceOf(ServiceException.class)
        .hasMessage(OutageAwareSessionStore.UNAVAILABLE);
  }
}
