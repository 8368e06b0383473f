package dev.maestro.platform;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Which TLS implementation the cluster event bus runs on (issue 14). Every message between services is a
 * TLS record; under C1 (deploy/jvm-flags) the JDK's AES-GCM is plain Java (the AES-NI and CLMUL intrinsics
 * are C2's), and a JFR profile of session-service at 100 streams had 34 % of its samples in it. netty's
 * OpenSSL engine runs the records in BoringSSL (netty-tcnative-boringssl-static, native code for Linux
 * x86_64 and aarch64 in the fat jars), with AES-NI whatever the JIT.
 *
 * <p>{@value #SETTING} (a system property, else the environment): {@code auto} (the default) takes OpenSSL
 * when its native library loads and the JDK's engine otherwise (another OS or architecture, a temporary
 * directory that cannot hold the extracted library); {@code openssl} insists (a service refuses to start
 * without it); {@code jdk} never loads native code. Either way the authentication is the same: the cluster
 * key's certificate on both sides, verified by the JDK's trust manager against that one certificate
 * ({@link ClusterKey#applyTo}); the engine only changes where the handshake and the records are computed.
 */
public final class ClusterTlsEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTlsEngine.class);

  public static final String SETTING = "MAESTRO_CLUSTER_TLS_ENGINE";
  /**
   * Every member is Maestro, so no older protocol is needed; TLS 1.3 alone also means one cipher family. The
   * JDK (5.0.7's default list) and BoringSSL both support it, so a JDK-engine node and an OpenSSL node talk.
   */
  public static final String PROTOCOL = "TLSv1.3";
  /**
   * AES-128-GCM: what BoringSSL picks first for TLS 1.3 on a CPU with AES instructions (it does not let the
   * TLS 1.3 suites be configured; netty passes the list on to the JDK engine only), and the cheapest of the
   * JDK's three TLS 1.3 suites in plain Java (10 AES rounds, not AES-256's 14; the JDK's own order puts
   * AES-256 first). Confidentiality and integrity as the other suites give a cluster link.
   */
  public static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";

  public enum Kind { OPENSSL, JDK }

  /** The engine chosen and the reason, as logged when a node's event bus options are made. */
  public record Choice(Kind kind, String why) {
    public SSLEngineOptions engineOptions() {
      return kind == Kind.OPENSSL ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
    }

    public String logLine() {
      String engine = kind == Kind.OPENSSL
          ? "OpenSSL (" + nativeVersion() + ", netty-tcnative)"
          : "JDK SSLEngine";
      return "cluster TLS engine: " + engine + ", " + PROTOCOL + " " + CIPHER_SUITE + ", mutual authentication with the cluster key: " + why;
    }
  }

  private ClusterTlsEngine() {}

  /** The engine for this process: {@value #SETTING} and whether the native library loads. */
  public static Choice current() {
    String setting = System.getProperty(SETTING, System.getenv(SETTING));
    // OpenSsl's static initialiser loads the native library: only asked when the setting lets it be used
    return choose(setting, OpenSSLEngineOptions::isAvailable, OpenSsl::unavailabilityCause);
  }

  /** {@link #current()} with the native library's availability given, for tests. */
  static Choice choose(String setting, BooleanSupplier nativeAvailable, Supplier<Throwable> cause) {
    String v = setting == null || setting.isBlank() ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "jdk":
        return new Choice(Kind.JDK, SETTING + "=jdk");
      case "auto":
        if (nativeAvailable.getAsBoolean()) {
          return new Choice(Kind.OPENSSL, "the native library loaded (" + SETTING + "=jdk for the JDK's engine)");
        }
        return new Choice(Kind.JDK, "the OpenSSL engine's native library did not load (" + describe(cause.get())
            + "); slower under C1, same security. " + SETTING + "=jdk says this was meant");
      case "openssl":
        if (nativeAvailable.getAsBoolean()) return new Choice(Kind.OPENSSL, SETTING + "=openssl");
        throw new StartupException(SETTING + "=openssl but netty-tcnative's BoringSSL did not load on "
            + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + " (" + describe(cause.get())
            + "); unset it (auto) to fall back to the JDK's engine");
      default:
        throw new StartupException(SETTING + " must be auto, openssl or jdk; got '" + setting + "'");
    }
  }

  /** Chooses, logs the one line saying which engine and why, and returns the engine options. */
  static SSLEngineOptions engineOptionsLogged() {
    Choice choice = current();
    if (choice.kind() == Kind.OPENSSL || choice.why().startsWith(SETTING)) LOG.info(choice.logLine());
    else LOG.warn(choice.logLine());
    return choice.engineOptions();
  }

  private static String nativeVersion() {
    try {
      return OpenSsl.versionString();
    } catch (Throwable e) {
      return "BoringSSL";
    }
  }

  private static String describe(Throwable e) {
    if (e == null) return "no cause given";
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root == e ? e.toString() : e + ", caused by " + root;
  }
}
