package dev.maestro.platform;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.OpenSSLEngineOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLEngine;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cluster transport's TLS on either engine ({@link ClusterTlsEngine}): a node's event bus server and
 * client are made here exactly as Vert.x 5.0.7's ClusteredEventBus makes them (NetServerOptions and
 * NetClientOptions from the event bus options' JSON, no host name check), without Hazelcast. Members
 * holding the key talk whichever engine each runs (a rolling change of the setting), on the engine the
 * setting chose, TLS 1.3 with AES-128-GCM; a peer without the key is refused by either engine. The whole
 * cluster with rogues is system-tests' RogueNodeTest (run it with MAESTRO_CLUSTER_TLS_ENGINE=jdk for the
 * fallback).
 */
class ClusterTlsTest {
  /** Longer than a TLS record header: a plain-TCP rogue's bytes are refused at once, not after the handshake timeout. */
  static final String PING = "ping from a node of the cluster";
  static ClusterKey key;
  static ClusterKey otherKey;
  static Vertx vertx;

  @BeforeAll
  static void setUp() throws Exception {
    key = ClusterKey.load(ClusterKeyTest.keystore("tls-key-a").resolve(ClusterKey.FILE_NAME), "tls-key-a");
    otherKey = ClusterKey.load(ClusterKeyTest.keystore("tls-key-b").resolve(ClusterKey.FILE_NAME), "tls-key-b");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** A node's event bus options with MAESTRO_CLUSTER_TLS_ENGINE set to engine (null: unset) while they are made. */
  static EventBusOptions bus(ClusterKey k, String engine) {
    String before = System.getProperty(ClusterTlsEngine.SETTING);
    try {
      if (engine == null) System.clearProperty(ClusterTlsEngine.SETTING);
      else System.setProperty(ClusterTlsEngine.SETTING, engine);
      return ClusterSetup.vertx("127.0.0.1", k).getEventBusOptions();
    } finally {
      if (before == null) System.clearProperty(ClusterTlsEngine.SETTING);
      else System.setProperty(ClusterTlsEngine.SETTING, before);
    }
  }

  static NetClientOptions clientOf(EventBusOptions bus) {
    return new NetClientOptions(bus.toJson()).setHostnameVerificationAlgorithm("");
  }

  /** What the server saw of each connection it accepted (Vert.x calls the handler after the handshake). */
  record Accepted(SSLEngine engine, String protocol, String cipherSuite) {}

  record EchoServer(NetServer server, List<Accepted> accepted) {
    int port() {
      return server.actualPort();
    }
  }

  static EchoServer echoServer(EventBusOptions bus) throws Exception {
    List<Accepted> accepted = new CopyOnWriteArrayList<>();
    NetServer server = vertx.createNetServer(new NetServerOptions(bus.toJson()).setPort(0));
    server.connectHandler(so -> {
      accepted.add(new Accepted(engineOf(so), so.sslSession().getProtocol(), so.sslSession().getCipherSuite()));
      so.handler(so::write);
    });
    server.listen().await(30, TimeUnit.SECONDS);
    return new EchoServer(server, accepted);
  }

  static SSLEngine engineOf(NetSocket so) {
    return ((NetSocketInternal) so).channelHandlerContext().pipeline().get(SslHandler.class).engine();
  }

  /** What the client saw of a connection that echoed. */
  record Echoed(SSLEngine engine, int peerCertificates) {}

  /** Connects, sends {@link #PING} and waits for its echo: what the client saw, or the failure (refused, closed). */
  static Future<Echoed> ping(NetClientOptions options, int port) {
    NetClient client = vertx.createNetClient(options);
    return client.connect(port, "127.0.0.1").compose(so -> {
      Promise<Echoed> echoed = Promise.promise();
      Buffer got = Buffer.buffer();
      so.handler(b -> {
        got.appendBuffer(b);
        if (got.toString().equals(PING)) {
          try {
            echoed.tryComplete(new Echoed(engineOf(so), so.sslSession().getPeerCertificates().length));
          } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            echoed.tryFail(e);
          }
        }
      });
      so.exceptionHandler(echoed::tryFail);
      so.closeHandler(v -> echoed.tryFail("closed by the server before the echo (" + got + ")"));
      so.write(PING);
      return echoed.future();
    }).eventually(client::close);
  }

  @Test
  void theNativeEngineLoadsOnTheLinuxArchitecturesTheJarsCarryAndIsTheDefault() {
    String arch = System.getProperty("os.arch");
    assumeTrue(System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("aarch64")),
        "the fat jars carry BoringSSL for linux-x86_64 and linux-aarch_64 only");
    assertThat(OpenSSLEngineOptions.isAvailable()).as("netty-tcnative: %s", OpenSsl.unavailabilityCause()).isTrue();
    assertThat(OpenSsl.versionString()).contains("BoringSSL");
    assertThat(bus(key, null).getSslEngineOptions()).isInstanceOf(OpenSSLEngineOptions.class);
    assertThat(ClusterTlsEngine.choose(null, OpenSSLEngineOptions::isAvailable, OpenSsl::unavailabilityCause).logLine())
        .startsWith("cluster TLS engine: OpenSSL (BoringSSL").contains("TLSv1.3 TLS_AES_128_GCM_SHA256");
  }

  @ParameterizedTest(name = "server {0}, client {1}")
  @CsvSource({"openssl,openssl", "openssl,jdk", "jdk,openssl", "jdk,jdk"})
  void membersWithTheKeyTalkOnTheChosenEngineWhateverThePeersEngine(String serverEngine, String clientEngine) throws Exception {
    assumeTrue(OpenSSLEngineOptions.isAvailable() || !(serverEngine + clientEngine).contains("openssl"));
    EchoServer server = echoServer(bus(key, serverEngine));
    try {
      Echoed client = ping(clientOf(bus(key, clientEngine)), server.port()).await(30, TimeUnit.SECONDS);
      assertThat(server.accepted()).hasSize(1);
      Accepted at = server.accepted().get(0);
      assertThat(at.engine() instanceof ReferenceCountedOpenSslEngine).as("server engine " + at.engine().getClass())
          .isEqualTo(serverEngine.equals("openssl"));
      assertThat(client.engine() instanceof ReferenceCountedOpenSslEngine).as("client engine " + client.engine().getClass())
          .isEqualTo(clientEngine.equals("openssl"));
      assertThat(at.protocol()).isEqualTo("TLSv1.3");
      assertThat(at.cipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
      assertThat(client.peerCertificates()).as("the server presented the cluster certificate").isEqualTo(1);
    } finally {
      server.server().close().await(30, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "{0} engine")
  @ValueSource(strings = {"openssl", "jdk"})
  void aPeerWithoutTheKeyIsRefusedBothWays(String engine) throws Exception {
    assumeTrue(OpenSSLEngineOptions.isAvailable() || engine.equals("jdk"));
    EchoServer member = echoServer(bus(key, engine));
    try {
      Map<String, NetClientOptions> rogues = Map.of(
          "plain TCP", new NetClientOptions(),
          "TLS, no certificate, trusting any server", new NetClientOptions().setSsl(true).setTrustAll(true).setHostnameVerificationAlgorithm(""),
          "another key, trusting any server", clientOf(bus(otherKey, engine)).setTrustAll(true));
      for (var rogue : rogues.entrySet()) {
        assertThatThrownBy(() -> ping(rogue.getValue(), member.port()).await(30, TimeUnit.SECONDS)).as(rogue.getKey()).isNotNull();
        assertThat(member.accepted()).as(rogue.getKey() + ": the member accepted no connection").isEmpty();
      }
    } finally {
      member.server().close().await(30, TimeUnit.SECONDS);
    }
    // and a member's client does not talk to a server with another key (whose own client trusts anything)
    EchoServer rogue = echoServer(bus(otherKey, engine));
    try {
      assertThatThrownBy(() -> ping(clientOf(bus(key, engine)), rogue.port()).await(30, TimeUnit.SECONDS)).isNotNull();
      assertThat(rogue.accepted()).isEmpty();
    } finally {
      rogue.server().close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theSettingChoosesOrFallsBackWithTheReason() {
    Throwable cause = new UnsatisfiedLinkError("no netty_tcnative_linux_riscv64");
    ClusterTlsEngine.Choice fallback = ClusterTlsEngine.choose(null, () -> false, () -> cause);
    assertThat(fallback.kind()).isEqualTo(ClusterTlsEngine.Kind.JDK);
    assertThat(fallback.logLine()).startsWith("cluster TLS engine: JDK SSLEngine").contains("no netty_tcnative_linux_riscv64");
    assertThat(ClusterTlsEngine.choose("auto", () -> true, () -> null).kind()).isEqualTo(ClusterTlsEngine.Kind.OPENSSL);
    assertThat(ClusterTlsEngine.choose(" JDK ", () -> true, () -> null).kind()).isEqualTo(ClusterTlsEngine.Kind.JDK);
    assertThat(ClusterTlsEngine.choose("openssl", () -> true, () -> null).kind()).isEqualTo(ClusterTlsEngine.Kind.OPENSSL);
    assertThatThrownBy(() -> ClusterTlsEngine.choose("openssl", () -> false, () -> cause)).isInstanceOf(StartupException.class)
        .hasMessageContaining("MAESTRO_CLUSTER_TLS_ENGINE=openssl").hasMessageContaining("no netty_tcnative_linux_riscv64");
    assertThatThrownBy(() -> ClusterTlsEngine.choose("boring", () -> true, () -> null)).isInstanceOf(StartupException.class)
        .hasMessage("MAESTRO_CLUSTER_TLS_ENGINE must be auto, openssl or jdk; got 'boring'");
  }
}
