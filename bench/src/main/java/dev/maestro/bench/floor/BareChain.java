package dev.maestro.bench.floor;

import dev.maestro.bench.system.ServiceLauncher;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bench's floor for a whole Maestro chain: the bare provider, session and gateway ({@link BareProvider},
 * {@link BareSession}, {@link BareGateway}) as three JVMs (the floor of the five-process mode) or one (of
 * {@code up --single}), started with the flags of the processes they stand for ({@code deploy/jvm-flags},
 * like {@link ServiceLauncher}) and clustered by the platform's own code on a cluster of their own. What the
 * issue's architecture costs with no Maestro logic at all, measured in the same run as Maestro.
 */
public final class BareChain {
  /** The JVMs of each kind of floor: three for the five-process mode, one for the single process. */
  public static List<String> processesFor(boolean oneJvm) {
    return oneJvm ? List.of("single") : List.of("provider", "session", "gateway");
  }

  private final ServiceLauncher launcher;
  private final int httpPort;

  private BareChain(ServiceLauncher launcher, int httpPort) {
    this.launcher = launcher;
    this.httpPort = httpPort;
  }

  /**
   * Starts the chain's JVMs (output in {@code logs/floor-<process>.log}) and waits until a request crosses
   * G → S → P and back. {@code env}: the cluster key's settings and anything else every JVM needs.
   */
  public static BareChain start(ServiceLauncher launcher, boolean oneJvm, Map<String, String> env, WebClient http) throws Exception {
    int httpPort = Integer.parseInt(env.get(FloorBus.HTTP_PORT));
    String classPath = System.getProperty("java.class.path");
    for (String process : processesFor(oneJvm)) {
      Map<String, String> own = new LinkedHashMap<>(env);
      // metrics on, as the services run them: a port of its own per JVM
      own.put("MAESTRO_" + process.toUpperCase() + "_METRICS_PORT", String.valueOf(freePort()));
      launcher.startMain("floor-" + process, process, classPath, BareChainMain.class.getName(), List.of(process), own);
    }
    BareChain chain = new BareChain(launcher, httpPort);
    launcher.awaitHealthy(http, httpPort);
    return chain;
  }

  /**
   * Every JVM's MAESTRO_* environment: the database, a cluster name of its own on {@code clusterPort} (its
   * members at the next ports), the fake upstream, pools sized for {@code maxStreams} like the services'.
   */
  public static Map<String, String> env(String pgUrl, Iterable<Map.Entry<String, Object>> clusterKey, int clusterPort, int members,
                                        Path dataDir, int upstreamPort, int maxStreams) throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MAESTRO_PG_URL", pgUrl);
    clusterKey.forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
    env.put("MAESTRO_CLUSTER_NAME", "floor-" + UUID.randomUUID());
    env.put("MAESTRO_CLUSTER_HOST", "127.0.0.1");
    env.put("MAESTRO_CLUSTER_PORT", String.valueOf(clusterPort));
    StringBuilder list = new StringBuilder();
    for (int i = 0; i < members; i++) list.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPort + i);
    env.put("MAESTRO_CLUSTER_MEMBERS", list.toString());
    env.put("MAESTRO_DATA_DIR", dataDir.toString());
    env.put(FloorBus.UPSTREAM_PORT, String.valueOf(upstreamPort));
    env.put(FloorBus.UPSTREAM_POOL, String.valueOf(Math.max(200, maxStreams + 64)));
    env.put(FloorBus.HTTP_PORT, String.valueOf(freePort()));
    return env;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The running JVMs by name (floor-provider, ...), to sample their CPU and RSS. */
  public Map<String, Process> processes() {
    return launcher.processes();
  }

  public void stop() {
    launcher.stopAll();
  }

  /** The streams the chain's clients use: any names do (no sessions to create). */
  public static List<String> streams(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> "floor-" + i).toList();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
