package dev.maestro.platform;

import com.hazelcast.config.Config;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PfxOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cluster key as services load it, and the cluster configuration built from it. */
class ClusterKeyTest {
  static Path dirA;
  static Path dirB;

  /** A key pair as deploy/maestro makes it: keytool, PKCS12, password in cluster.password beside it. */
  static Path keystore(String password) throws Exception {
    Path dir = Files.createDirectories(Files.createTempDirectory("cluster-key-test").resolve("cluster"));
    Process p = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/keytool").getPath(),
        "-genkeypair", "-noprompt", "-alias", "maestro-cluster", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=maestro-cluster", "-validity", "30", "-storetype", "PKCS12",
        "-keystore", dir.resolve("cluster.p12").toString(), "-storepass", password, "-keypass", password)
        .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(Files.readString(dir.resolve("keytool.log"))).isTrue();
    Files.writeString(dir.resolve("cluster.password"), password + "\n");
    return dir;
  }

  static MaestroConfig config(Map<String, String> env) {
    return MaestroConfig.resolve(env::get, env.keySet());
  }

  @BeforeAll
  static void keys() throws Exception {
    dirA = keystore("password-a");
    dirB = keystore("password-b");
  }

  @Test
  void defaultPlaceIsTheDataDirAndThePasswordComesFromTheFileBesideIt() {
    // dirA is <data dir>/cluster: the launcher's layout, no MAESTRO_CLUSTER_KEYSTORE* set
    ClusterKey key = ClusterKey.load(config(Map.of("MAESTRO_DATA_DIR", dirA.getParent().toString())));
    assertThat(key.keystore()).isEqualTo(dirA.resolve("cluster.p12"));
    assertThat(key.hazelcastClusterName("maestro"))
        .isEqualTo(ClusterKey.load(dirA.resolve("cluster.p12"), "password-a").hazelcastClusterName("maestro"));
    assertThat(ClusterKey.keystorePath(config(Map.of("MAESTRO_DATA_DIR", "/srv/maestro"))))
        .isEqualTo(Path.of("/srv/maestro/cluster/cluster.p12"));
  }

  @Test
  void aMissingKeyIsOneLineNamingTheLauncher() {
    MaestroConfig c = config(Map.of("MAESTRO_CLUSTER_KEYSTORE", dirA.resolve("absent.p12").toString()));
    assertThatThrownBy(() -> ClusterKey.load(c)).isInstanceOf(StartupException.class)
        .hasMessageStartingWith("no cluster key at " + dirA.resolve("absent.p12"))
        .hasMessageContaining("./deploy/maestro up");
  }

  @Test
  void aWrongPasswordIsRefused() {
    MaestroConfig c = config(Map.of("MAESTRO_CLUSTER_KEYSTORE", dirA.resolve("cluster.p12").toString(),
        "MAESTRO_CLUSTER_KEYSTORE_PASSWORD", "password-b"));
    assertThatThrownBy(() -> ClusterKey.load(c)).isInstanceOf(StartupException.class)
        .hasMessageContaining("MAESTRO_CLUSTER_KEYSTORE_PASSWORD").hasMessageNotContaining("Exception");
  }

  @Test
  void theHazelcastNameIsDerivedFromTheKeySoTheNameAloneDoesNotJoin() {
    ClusterKey a = ClusterKey.load(dirA.resolve("cluster.p12"), "password-a");
    ClusterKey a2 = ClusterKey.load(dirA.resolve("cluster.p12"), "password-a");
    ClusterKey b = ClusterKey.load(dirB.resolve("cluster.p12"), "password-b");
    assertThat(a.hazelcastClusterName("maestro")).startsWith("maestro-").isNotEqualTo("maestro")
        .isEqualTo(a2.hazelcastClusterName("maestro"))       // every holder of the key agrees
        .isNotEqualTo(b.hazelcastClusterName("maestro"))     // another key: another cluster
        .isNotEqualTo(a.hazelcastClusterName("maestro-2"));
  }

  @Test
  void theEventBusRunsMutualTlsTrustingOnlyTheKeyAndSurvivesVertxsJsonCopy() {
    ClusterKey a = ClusterKey.load(dirA.resolve("cluster.p12"), "password-a");
    EventBusOptions bus = ClusterSetup.vertx("127.0.0.1", a).getEventBusOptions();
    // ClusteredEventBus (Vert.x 5.0.7) makes its server and client options from the bus options' JSON
    NetServerOptions server = new NetServerOptions(bus.toJson());
    NetClientOptions client = new NetClientOptions(bus.toJson());
    for (var o : List.of(server, client)) {
      assertThat(o.isSsl()).isTrue();
      assertThat(o.getKeyCertOptions()).isInstanceOf(PfxOptions.class);
      assertThat(((PfxOptions) o.getKeyCertOptions()).getPath()).isEqualTo(a.keystore().toString());
      assertThat(o.getTrustOptions()).isInstanceOf(PfxOptions.class);
      // ClusterTlsEngine's engine, protocol and suite reach the server and the client too
      assertThat(o.getSslEngineOptions()).isNotNull().hasSameClassAs(bus.getSslEngineOptions());
      assertThat(o.getEnabledSecureTransportProtocols()).containsExactly("TLSv1.3");
      assertThat(o.getEnabledCipherSuites()).containsExactly("TLS_AES_128_GCM_SHA256");
    }
    assertThat(server.getClientAuth()).isEqualTo(ClientAuth.REQUIRED);
    assertThat(client.isTrustAll()).as("EventBusOptions defaults trustAll to true").isFalse();
    assertThat(bus.getHost()).isEqualTo("127.0.0.1");
    assertThat(bus.getClusterPublicHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void hazelcastBindsToTheClusterHostOnly() {
    Config hz = ClusterSetup.hazelcast("n", "localhost", 5701, "127.0.0.1");
    assertThat(hz.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(hz.getProperty("hazelcast.local.localAddress")).isEqualTo("127.0.0.1");
    assertThat(hz.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(hz.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(hz.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
  }

  @Test
  void theNewSettingsHaveDefaults() {
    MaestroConfig c = config(Map.of());
    assertThat(c.getInt(MaestroConfig.CLUSTER_BUS_PORT)).isZero();
    assertThat(c.get(MaestroConfig.CLUSTER_KEYSTORE)).isNull();
    assertThat(Set.copyOf(MaestroConfig.DEFAULTS.keySet())).contains(MaestroConfig.CLUSTER_KEYSTORE_PASSWORD);
    assertThat(new VertxOptions().getEventBusOptions().isSsl()).isFalse();
  }
}
