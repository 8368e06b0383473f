package dev.maestro.platform;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The cluster key pair every member holds: a PKCS12 keystore with one self-signed certificate and its
 * private key, created once by {@code ./deploy/maestro up} and copied to every host of a multi-machine
 * cluster. The event bus runs TLS with mutual authentication that trusts exactly this certificate, so a
 * process without the key can neither send to nor receive from a service; the Hazelcast cluster name
 * is derived from it too, so knowing {@code MAESTRO_CLUSTER_NAME} is not enough to join.
 */
public final class ClusterKey {
  public static final String FILE_NAME = "cluster.p12";
  public static final String PASSWORD_FILE_NAME = "cluster.password";

  private final Path keystore;
  private final String password;
  private final byte[] secret;

  private ClusterKey(Path keystore, String password, byte[] secret) {
    this.keystore = keystore;
    this.password = password;
    this.secret = secret;
  }

  /** Where the keystore lives: MAESTRO_CLUSTER_KEYSTORE, else {@code $MAESTRO_DATA_DIR/cluster/cluster.p12}. */
  public static Path keystorePath(MaestroConfig config) {
    String v = config.get(MaestroConfig.CLUSTER_KEYSTORE);
    return v != null && !v.isBlank() ? Path.of(v.trim()) : config.dataDir().resolve("cluster").resolve(FILE_NAME);
  }

  /**
   * Loads the key named by the configuration: the keystore's password is MAESTRO_CLUSTER_KEYSTORE_PASSWORD,
   * else the content of {@code cluster.password} beside the keystore. A missing or unreadable key is a
   * {@link StartupException} with one line naming the fix.
   */
  public static ClusterKey load(MaestroConfig config) {
    Path path = keystorePath(config);
    String password = config.get(MaestroConfig.CLUSTER_KEYSTORE_PASSWORD);
    if (!Files.isRegularFile(path)) {
      throw new StartupException("no cluster key at " + path + ": run ./deploy/maestro up once (it creates it), "
          + "or copy your cluster's key there (see deploy/cluster/README.md; MAESTRO_CLUSTER_KEYSTORE)");
    }
    if (password == null || password.isBlank()) {
      Path pwFile = path.resolveSibling(PASSWORD_FILE_NAME);
      try {
        password = Files.readString(pwFile, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new StartupException("cannot read the cluster key's password from " + pwFile
            + ": copy it with the key, or set MAESTRO_CLUSTER_KEYSTORE_PASSWORD");
      }
    }
    return load(path, password);
  }

  /** Loads a PKCS12 keystore holding exactly one private key entry. */
  public static ClusterKey load(Path path, String password) {
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password.toCharArray());
      PrivateKey privateKey = null;
      for (String alias : Collections.list(ks.aliases())) {
        if (!ks.isKeyEntry(alias)) continue;
        if (privateKey != null) throw new StartupException("the cluster key " + path + " holds more than one key pair");
        Key k = ks.getKey(alias, password.toCharArray());
        if (k instanceof PrivateKey pk) privateKey = pk;
      }
      if (privateKey == null || privateKey.getEncoded() == null) {
        throw new StartupException("the cluster key " + path + " holds no private key; recreate it (delete it and run ./deploy/maestro up)");
      }
      return new ClusterKey(path, password, privateKey.getEncoded());
    } catch (StartupException e) {
      throw e;
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new StartupException("cannot read the cluster key " + path + " (" + e.getMessage()
          + "); check MAESTRO_CLUSTER_KEYSTORE_PASSWORD or the cluster.password file beside it");
    }
  }

  public Path keystore() {
    return keystore;
  }

  /**
   * TLS on the clustered event bus: this node presents the cluster certificate, trusts only it (the
   * keystore is the trust store: its one certificate is the one trust anchor) and requires the peer to
   * present it too. Vert.x 5.0.7's ClusteredEventBus builds its NetServer and NetClient options from
   * the event bus options' JSON, which carries only Pem/Jks/Pfx options (a generic KeyStoreOptions is
   * silently dropped), hence PfxOptions. trustAll must be switched off explicitly: EventBusOptions
   * defaults it to true, which would let this node send to any TLS server that joined. The client
   * skips host name checks (ClusteredEventBus sets none): the peer is identified by the certificate,
   * not by the address it advertises. The engine (BoringSSL or the JDK's), the protocol (TLS 1.3 only)
   * and the suite (AES-128-GCM) are {@link ClusterTlsEngine}'s; the engine options survive the same JSON
   * copy ({@code openSslEngineOptions} / {@code jdkSslEngineOptions}).
   */
  public EventBusOptions applyTo(EventBusOptions options) {
    PfxOptions store = new PfxOptions().setPath(keystore.toString()).setPassword(password);
    return options.setSsl(true)
        .setSslEngineOptions(ClusterTlsEngine.engineOptionsLogged())
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(List.of(ClusterTlsEngine.PROTOCOL)))
        .addEnabledCipherSuite(ClusterTlsEngine.CIPHER_SUITE)
        .setKeyCertOptions(store)
        .setTrustOptions(new PfxOptions(store))
        .setTrustAll(false)
        .setClientAuth(ClientAuth.REQUIRED);
  }

  /**
   * The name Hazelcast joins with: the configured name plus an HMAC of it under the private key, so a
   * process that knows only {@code MAESTRO_CLUSTER_NAME} forms a cluster of its own. Hazelcast's join
   * message is not encrypted: someone who can watch cluster traffic learns this name (but still cannot
   * use the event bus without the key).
   */
  public String hazelcastClusterName(String clusterName) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] tag = mac.doFinal(("maestro hazelcast cluster name\0" + clusterName).getBytes(StandardCharsets.UTF_8));
      return clusterName + "-" + HexFormat.of().formatHex(tag, 0, 16);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
