package dev.maestro.platform;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Configuration of every service. Values come from environment variables (documented in the
 * README with these defaults); a system property with the same name wins, which is how tests and
 * one-JVM runs override them. Verticles receive the resolved values as their {@code config()}.
 */
public final class MaestroConfig {
  public static final String PG_URL = "MAESTRO_PG_URL";
  public static final String REDIS_URL = "MAESTRO_REDIS_URL";
  public static final String HTTP_HOST = "MAESTRO_HTTP_HOST";
  public static final String HTTP_PORT = "MAESTRO_HTTP_PORT";
  public static final String PUBLIC_URL = "MAESTRO_PUBLIC_URL";
  public static final String OAUTH_CLIENT_METADATA_URL = "MAESTRO_OAUTH_CLIENT_METADATA_URL";
  public static final String CLUSTER_NAME = "MAESTRO_CLUSTER_NAME";
  public static final String CLUSTER_HOST = "MAESTRO_CLUSTER_HOST";
  public static final String CLUSTER_PORT = "MAESTRO_CLUSTER_PORT";
  public static final String CLUSTER_MEMBERS = "MAESTRO_CLUSTER_MEMBERS";
  public static final String CLUSTER_BUS_PORT = "MAESTRO_CLUSTER_BUS_PORT";
  public static final String CLUSTER_KEYSTORE = "MAESTRO_CLUSTER_KEYSTORE";
  public static final String CLUSTER_KEYSTORE_PASSWORD = "MAESTRO_CLUSTER_KEYSTORE_PASSWORD";
  public static final String DATA_DIR = "MAESTRO_DATA_DIR";
  public static final String ADMIN_PASSWORD = "MAESTRO_ADMIN_PASSWORD";
  public static final String MASTER_KEY = "MAESTRO_MASTER_KEY";
  public static final String STARTUP_TIMEOUT = "MAESTRO_STARTUP_TIMEOUT_SECONDS";
  /** Loopback / private host:port entries members' URLs may reach ({@link dev.maestro.platform.net.OutboundPolicy}). */
  public static final String ALLOWED_PRIVATE_HOSTS = dev.maestro.platform.net.OutboundPolicy.ENV;

  /** Name → default (null: no default). Order is the README's order. */
  public static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put(PG_URL, "postgresql://postgres@127.0.0.1:5432/maestro");
    DEFAULTS.put(REDIS_URL, "redis://127.0.0.1:6379/0");
    DEFAULTS.put(HTTP_HOST, "127.0.0.1");
    DEFAULTS.put(HTTP_PORT, "8080");
    DEFAULTS.put(PUBLIC_URL, null);
    DEFAULTS.put(OAUTH_CLIENT_METADATA_URL, null);
    DEFAULTS.put(CLUSTER_NAME, "maestro");
    DEFAULTS.put(CLUSTER_HOST, "127.0.0.1");
    DEFAULTS.put(CLUSTER_PORT, "5701");
    DEFAULTS.put(CLUSTER_MEMBERS, "127.0.0.1");
    DEFAULTS.put(CLUSTER_BUS_PORT, "0");            // a free port
    DEFAULTS.put(CLUSTER_KEYSTORE, null);           // $MAESTRO_DATA_DIR/cluster/cluster.p12 (see ClusterKey)
    DEFAULTS.put(CLUSTER_KEYSTORE_PASSWORD, null);  // the cluster.password file beside the keystore
    DEFAULTS.put(DATA_DIR, Path.of(System.getProperty("user.home"), ".maestro").toString());
    DEFAULTS.put(ADMIN_PASSWORD, null);
    DEFAULTS.put(MASTER_KEY, null);
    DEFAULTS.put(STARTUP_TIMEOUT, "60");
    DEFAULTS.put(ALLOWED_PRIVATE_HOSTS, dev.maestro.platform.net.OutboundPolicy.DEFAULT_ALLOWED);
  }

  private final JsonObject values;

  private MaestroConfig(JsonObject values) {
    this.values = values;
  }

  /** Reads the process environment (and same-named system properties) over the defaults. */
  public static MaestroConfig fromEnvironment() {
    return resolve(System::getenv, System.getenv().keySet());
  }

  /**
   * The documented variables over their defaults, plus every other MAESTRO_* variable present (the
   * services' own tuning knobs, documented in their READMEs), so they reach verticles as config().
   */
  static MaestroConfig resolve(Function<String, String> env, java.util.Set<String> envNames) {
    JsonObject json = new JsonObject();
    java.util.Set<String> extra = new java.util.TreeSet<>();
    envNames.stream().filter(n -> n.startsWith("MAESTRO_")).forEach(extra::add);
    System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("MAESTRO_")).forEach(extra::add);
    for (String name : extra) {
      if (DEFAULTS.containsKey(name)) continue;
      String v = System.getProperty(name);
      if (v == null) v = env.apply(name);
      if (v != null && !v.isBlank()) json.put(name, v);
    }
    DEFAULTS.forEach((name, def) -> {
      String v = System.getProperty(name);
      if (v == null) v = env.apply(name);
      if (v == null || v.isBlank()) v = def;
      if (v != null) json.put(name, v);
    });
    return new MaestroConfig(json);
  }

  /** Wraps a verticle's {@code config()}; anything missing falls back to the environment. */
  public static MaestroConfig of(JsonObject config) {
    JsonObject merged = fromEnvironment().toJson();
    if (config != null) merged.mergeIn(config);
    return new MaestroConfig(merged);
  }

  public MaestroConfig with(String name, Object value) {
    JsonObject copy = values.copy();
    copy.put(name, value == null ? null : String.valueOf(value));
    return new MaestroConfig(copy);
  }

  public JsonObject toJson() {
    return values.copy();
  }

  public String get(String name) {
    Object v = values.getValue(name);
    return v == null ? null : String.valueOf(v);
  }

  /** A whole number from 0 up (ports, seconds); anything else fails start-up like {@link Settings}. */
  public int getInt(String name) {
    return Settings.of(values).integer(name, 0, 0, Integer.MAX_VALUE);
  }

  public String pgUrl() { return get(PG_URL); }
  public String redisUrl() { return get(REDIS_URL); }
  public String httpHost() { return get(HTTP_HOST); }
  public int httpPort() { return getInt(HTTP_PORT); }
  public Path dataDir() { return Path.of(get(DATA_DIR)); }
  public int startupTimeoutSeconds() { return getInt(STARTUP_TIMEOUT); }

  /** The outbound-URL policy with the admin's {@value #ALLOWED_PRIVATE_HOSTS}; a bad entry fails start-up. */
  public dev.maestro.platform.net.OutboundPolicy outboundPolicy() {
    try {
      return dev.maestro.platform.net.OutboundPolicy.of(get(ALLOWED_PRIVATE_HOSTS));
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage());
    }
  }

  /** Where browsers reach the gateway (OAuth redirect URIs are built from it). */
  public String publicUrl() {
    String v = get(PUBLIC_URL);
    return v != null ? v.replaceAll("/+$", "") : "http://localhost:" + httpPort();
  }

  /**
   * Maestro's OAuth client ID metadata document (served by the gateway at /oauth/client-metadata.json),
   * used as client_id at authorization servers that accept one: the configured URL, else the public
   * URL's document when that is https (the draft requires an https client_id), else null (none).
   */
  public String oauthClientMetadataUrl() {
    String v = get(OAUTH_CLIENT_METADATA_URL);
    if (v != null && !v.isBlank()) return v.trim();
    String pub = publicUrl();
    return pub.startsWith("https://") ? pub + "/oauth/client-metadata.json" : null;
  }
}
