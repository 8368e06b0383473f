package dev.maestro.system;

import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.platform.ClusterKey;
import dev.maestro.platform.ClusterSetup;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.session.SessionServiceVerticle;
import dev.maestro.testkit.TestClusterKey;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.serviceproxy.ServiceProxyBuilder;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile: a process on the cluster network without the cluster key. Real auth- and session-service
 * run as members (TLS, mutual authentication, the key's Hazelcast name); a rogue clustered Vert.x
 * asks them for a health answer and for a secret, and listens on a session's event address. It must
 * get no reply and no event, while a member with the key gets both at the same moment.
 */
class RogueNodeTest {
  static ServiceNodes services;
  static JsonObject config;
  static String clusterName;
  static Vertx sessionNode;
  static Vertx member;
  static final String sessionId = UUID.randomUUID().toString();
  static final List<String> memberEvents = new CopyOnWriteArrayList<>();

  /** How the rogue was made; every way must be refused. */
  enum Rogue {
    /** Knows MAESTRO_CLUSTER_NAME, no key: with the key-derived Hazelcast name it forms a cluster of its own. */
    CLUSTER_NAME_ONLY,
    /** Joined Hazelcast with the effective (key-derived) name, e.g. sniffed: plain event bus. */
    JOINED_WITHOUT_TLS,
    /** Joined Hazelcast, speaks TLS with a key pair of its own and trusts any server. */
    JOINED_WITH_ANOTHER_KEY
  }

  @BeforeAll
  static void startServices() throws Exception {
    config = TestEnv.config();
    clusterName = config.getString(MaestroConfig.CLUSTER_NAME);
    services = new ServiceNodes(config);
    member = services.member();
    TestEnv.ensureDatabase(member).await(30, TimeUnit.SECONDS);
    for (String schema : List.of("auth", "session")) TestEnv.dropSchema(member, schema).await(30, TimeUnit.SECONDS);
    services.deploy(AuthServiceVerticle::new);
    sessionNode = services.deploy(SessionServiceVerticle::new);
    member.eventBus().<JsonObject>consumer(Addresses.sessionEvents(sessionId), m -> memberEvents.add(m.body().getString("n")))
        .completion().await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (services != null) services.close();
  }

  static Vertx startRogue(Rogue how) throws Exception {
    ClusterKey key = TestClusterKey.shared();
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1");
    String hazelcastName = key.hazelcastClusterName(clusterName);
    switch (how) {
      case CLUSTER_NAME_ONLY -> hazelcastName = clusterName;
      case JOINED_WITHOUT_TLS -> { }
      case JOINED_WITH_ANOTHER_KEY -> {
        TestClusterKey.create("rogue-password").applyTo(options.getEventBusOptions());
        options.getEventBusOptions().setTrustAll(true);
      }
    }
    return Vertx.builder().with(options)
        .withClusterManager(new HazelcastClusterManager(ClusterSetup.hazelcast(hazelcastName, "127.0.0.1", TestEnv.clusterPort(), "127.0.0.1")))
        .buildClustered().await(60, TimeUnit.SECONDS);
  }

  /** The requests a rogue would make: each service's health, and a secret from auth-service. */
  static Map<String, Future<?>> ask(Vertx from, long timeoutMs) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    Map<String, Future<?>> answers = new ConcurrentHashMap<>();
    answers.put("health auth", from.eventBus().request(Addresses.health("auth"), new JsonObject(), options));
    answers.put("health session", from.eventBus().request(Addresses.health("session"), new JsonObject(), options));
    AuthService auth = new ServiceProxyBuilder(from).setAddress(AuthService.ADDRESS).setOptions(options).build(AuthService.class);
    answers.put("resolveSecret", auth.resolveSecret(UUID.randomUUID().toString()));
    return answers;
  }

  /** A reply, or a failure the service itself sent back (e.g. "no such credential"): the service answered. */
  static boolean answered(Future<?> f) {
    return f.succeeded() || (f.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE);
  }

  @ParameterizedTest
  @EnumSource(Rogue.class)
  void aNodeWithoutTheClusterKeyGetsNoReplyAndNoSessionEvent(Rogue how) throws Exception {
    Vertx rogue = startRogue(how);
    try {
      HazelcastClusterManager rogueCluster = (HazelcastClusterManager) ((VertxInternal) rogue).clusterManager();
      if (how == Rogue.CLUSTER_NAME_ONLY) {
        assertThat(rogueCluster.getNodes()).as("the cluster name alone does not join").hasSize(1);
      } else {
        // the rogue really is a Hazelcast member: the refusal below is the event bus's, not Hazelcast's
        assertThat(rogueCluster.getNodes()).hasSizeGreaterThanOrEqualTo(4);
      }
      List<String> rogueEvents = new CopyOnWriteArrayList<>();
      MessageConsumer<JsonObject> spy = rogue.eventBus().consumer(Addresses.sessionEvents(sessionId),
          m -> rogueEvents.add(m.body().getString("n")));
      spy.completion().await(10, TimeUnit.SECONDS);
      if (how != Rogue.CLUSTER_NAME_ONLY) {
        // the session node knows the rogue's subscription, so a publish really tries to reach it
        String rogueNode = rogueCluster.getNodeId();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
          Promise<List<RegistrationInfo>> registrations = Promise.promise();
          ((VertxInternal) sessionNode).clusterManager().getRegistrations(Addresses.sessionEvents(sessionId), registrations);
          return registrations.future().await(5, TimeUnit.SECONDS).stream().anyMatch(r -> r.nodeId().equals(rogueNode));
        });
      }

      Map<String, Future<?>> rogueAsks = ask(rogue, 3_000);
      Map<String, Future<?>> memberAsks = ask(member, 15_000);

      // the events go out while the rogue's requests wait out their 3 s timeout: the two waits for nothing overlap
      String run = how.name();
      for (int i = 0; i < 5; i++) sessionNode.eventBus().publish(Addresses.sessionEvents(sessionId), new JsonObject().put("n", run + i));
      await().atMost(Duration.ofSeconds(10)).until(() -> memberEvents.stream().filter(n -> n.startsWith(run)).count() == 5);
      // the member got all five; the rogue, addressed by the same publishes, stays empty
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(rogueEvents::isEmpty);

      Future.join(List.copyOf(rogueAsks.values())).otherwiseEmpty().await(20, TimeUnit.SECONDS);
      Future.join(List.copyOf(memberAsks.values())).otherwiseEmpty().await(20, TimeUnit.SECONDS);
      memberAsks.forEach((what, f) -> assertThat(answered(f)).as("a member with the key: " + what + " " + f.cause()).isTrue());
      rogueAsks.forEach((what, f) -> {
        assertThat(answered(f)).as("the rogue: " + what).isFalse();
        assertThat(f.failed()).isTrue();
      });
    } finally {
      rogue.close().await(30, TimeUnit.SECONDS);
    }
  }
}
