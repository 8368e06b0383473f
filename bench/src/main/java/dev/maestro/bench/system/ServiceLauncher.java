package dev.maestro.bench.system;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the five service fat jars as separate processes the way {@code deploy/maestro}'s
 * {@code start_service} does (the flags of {@link JvmFlags}, output to a log per service, stdin
 * from /dev/null), waits for {@code /health} UP and stops them in reverse order.
 */
public final class ServiceLauncher {
  public static final String VERSION = "0.1.0-SNAPSHOT";
  public static final List<String> SERVICES = List.of("auth", "provider", "tool", "session", "gateway");

  private final Path root;
  private final JvmFlags flags;
  private final Path logs;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private Path jarsRoot;
  private java.util.function.Function<String, List<String>> extraJvmOptions = svc -> List.of();

  public ServiceLauncher(Path root, Path logs) {
    this.root = root;
    this.flags = JvmFlags.read(root);
    this.logs = logs;
  }

  /** Runs the service jars of another checkout (a "before" build), with this checkout's flags. */
  public ServiceLauncher jarsFrom(Path otherRoot) {
    this.jarsRoot = otherRoot;
    return this;
  }

  /** JVM options added after the flags for one service (e.g. a JFR recording per service). */
  public ServiceLauncher extraJvmOptions(java.util.function.Function<String, List<String>> perService) {
    this.extraJvmOptions = perService;
    return this;
  }

  public JvmFlags flags() {
    return flags;
  }

  /** The running processes by service name, in start order. */
  public Map<String, Process> processes() {
    return Collections.unmodifiableMap(processes);
  }

  /** Starts every service with only {@code env} as its MAESTRO_* environment (the caller's are dropped). */
  public void startAll(Map<String, String> env) throws Exception {
    for (String svc : SERVICES) {
      start(svc, flags.command(svc, System.getenv("MAESTRO_JAVA_OPTS"), serviceJar(jarsRoot == null ? root : jarsRoot, svc)), env);
    }
  }

  /**
   * As {@code up --single}: one process "single" running every service's verticle, the five jars on its
   * class path, the single-process flags.
   */
  public void startSingle(Map<String, String> env) throws Exception {
    List<Path> jars = SERVICES.stream().map(svc -> serviceJar(jarsRoot == null ? root : jarsRoot, svc)).toList();
    start("single", flags.singleCommand(System.getenv("MAESTRO_JAVA_OPTS"), jars), env);
  }

  /**
   * Another main as a process named {@code name}, with the flags of {@code process} (see
   * {@link JvmFlags#mainCommand}) and only {@code env} as its MAESTRO_* environment; stopped with the rest.
   */
  public void startMain(String name, String process, String classPath, String mainClass, List<String> args, Map<String, String> env)
      throws Exception {
    start(name, flags.mainCommand(process, System.getenv("MAESTRO_JAVA_OPTS"), classPath, mainClass, args), env);
  }

  private void start(String name, List<String> command, Map<String, String> env) throws Exception {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(1, extraJvmOptions.apply(name));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("MAESTRO_"));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(log(name).toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    processes.put(name, pb.start());
  }

  public Path log(String svc) {
    return logs.resolve(svc + ".log");
  }

  /** Polls the gateway's /health until UP; fails at once when a service exits, with its log's tail. */
  public void awaitHealthy(WebClient http, int port) throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    String last = "no answer";
    while (System.currentTimeMillis() < deadline) {
      for (Map.Entry<String, Process> e : processes.entrySet()) {
        if (!e.getValue().isAlive()) {
          throw new IllegalStateException(e.getKey() + " exited during start-up (exit " + e.getValue().exitValue()
              + "); log: " + log(e.getKey()) + "\n" + tail(log(e.getKey())));
        }
      }
      try {
        HttpResponse<Buffer> r = http.get(port, "127.0.0.1", "/health").send().await(5, TimeUnit.SECONDS);
        last = r.bodyAsString();
        if (r.statusCode() == 200 && "UP".equals(r.bodyAsJsonObject().getString("status"))) return;
      } catch (Exception notYet) {
        // the gateway is not listening yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the system was not UP within 3 minutes; last /health: " + last);
  }

  /** SIGTERM in reverse start order, SIGKILL whatever still runs after 15 s. */
  public void stopAll() {
    List<Process> live = new ArrayList<>();
    List<String> order = new ArrayList<>(processes.keySet());
    Collections.reverse(order);
    for (String svc : order) {
      Process p = processes.get(svc);
      if (p != null && p.isAlive()) {
        p.destroy();
        live.add(p);
      }
    }
    long deadline = System.currentTimeMillis() + 15_000;
    for (Process p : live) {
      try {
        if (!p.waitFor(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }

  public static Path serviceJar(Path root, String svc) {
    return root.resolve(svc + "-service/target/" + svc + "-service-" + VERSION + "-fat.jar");
  }

  /** Builds the jars (offline, no tests) when one is missing. */
  public static void ensureJars(Path root) throws Exception {
    boolean missing = SERVICES.stream().anyMatch(svc -> !Files.isRegularFile(serviceJar(root, svc)));
    if (!missing) return;
    System.out.println("service jars missing: building (mvn -o -q -B -DskipTests package) ...");
    int rc = new ProcessBuilder("mvn", "-o", "-q", "-B", "-DskipTests", "package").directory(root.toFile()).inheritIO().start().waitFor();
    if (rc != 0) throw new IllegalStateException("build failed (exit " + rc + ")");
  }

  /** The repository root: {@code -Dmaestro.root}, {@code MAESTRO_ROOT}, else . or .. */
  public static Path findRoot() {
    String configured = System.getProperty("maestro.root", System.getenv("MAESTRO_ROOT"));
    List<Path> candidates = configured != null ? List.of(Path.of(configured)) : List.of(Path.of("."), Path.of(".."));
    for (Path c : candidates) {
      if (Files.isDirectory(c.resolve("gateway-service")) && Files.isRegularFile(c.resolve("pom.xml"))) {
        return c.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("run from the repository root (or set -Dmaestro.root=...)");
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (Exception e) {
      return "";
    }
  }
}
