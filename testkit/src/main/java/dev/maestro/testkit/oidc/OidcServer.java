package dev.maestro.testkit.oidc;

import dev.maestro.testkit.NodeDeps;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real authorization server of the tests: oidc-provider (testkit/src/main/node/oidc/server.js)
 * in a node process on a loopback port, with one registered confidential client
 * ({@link #CLIENT_ID}/{@link #CLIENT_SECRET}, redirect {@link #REDIRECT_URI}). Access tokens live
 * {@code accessTtlSeconds}.
 */
public final class OidcServer implements AutoCloseable {
  /** Where the node server lives, relative to the repository root. */
  static final Path NODE_DIR = Path.of("testkit", "src", "main", "node", "oidc");
  public static final String CLIENT_ID = "maestro-test";
  public static final String CLIENT_SECRET = "maestro-test-secret-" + Long.toHexString(System.nanoTime());
  /** Never listened on: {@link LoginDriver} stops at the redirect to it. */
  public static final String REDIRECT_URI = "http://127.0.0.1:9/oauth/callback";

  private final Process process;
  private final String issuer;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private OidcServer(Process process, String issuer) {
    this.process = process;
    this.issuer = issuer;
  }

  public static OidcServer start(int accessTtlSeconds) throws Exception {
    Path dir = nodeDir();
    NodeDeps.ensureInstalled(dir);
    ProcessBuilder pb = new ProcessBuilder("node", "server.js").directory(dir.toFile());
    pb.environment().put("REDIRECT_URIS", REDIRECT_URI);
    pb.environment().put("CLIENT_ID", CLIENT_ID);
    pb.environment().put("CLIENT_SECRET", CLIENT_SECRET);
    pb.environment().put("ACCESS_TTL", String.valueOf(accessTtlSeconds));
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    CompletableFuture<String> issuer = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (!issuer.isDone() && line.startsWith("{\"issuer\"")) issuer.complete(new JsonObject(line).getString("issuer"));
          else System.out.println("[oidc] " + line);
        }
      } catch (Exception ignored) {
        // process ended
      }
      issuer.completeExceptionally(new IllegalStateException("oidc-provider exited before listening"));
    }, "oidc-stdout");
    reader.setDaemon(true);
    reader.start();
    return new OidcServer(p, issuer.get(30, TimeUnit.SECONDS));
  }

  /**
   * The node folder, found from the working directory upwards: tests run with their module's
   * folder as working directory, and every module sits next to testkit.
   */
  static Path nodeDir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve(NODE_DIR);
      if (Files.exists(candidate.resolve("server.js"))) return candidate;
    }
    throw new IllegalStateException(NODE_DIR + " not found above " + Path.of("").toAbsolutePath());
  }

  public String issuer() {
    return issuer;
  }

  public String authorizeUrl() {
    return issuer + "/auth";
  }

  public String tokenUrl() {
    return issuer + "/token";
  }

  public String userinfoUrl() {
    return issuer + "/me";
  }

  public JsonObject stats() throws Exception {
    return new JsonObject(send(HttpRequest.newBuilder(URI.create(issuer + "/test/stats")).GET().build()).body());
  }

  public void setAccessTtl(int seconds) throws Exception {
    send(HttpRequest.newBuilder(URI.create(issuer + "/test/config?accessTtl=" + seconds))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  public void revoke(String account) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(issuer + "/test/revoke?account=" + account))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    if (r.statusCode() != 200) throw new IllegalStateException("revoke failed: " + r.body());
  }

  /** Calls the userinfo endpoint (a protected resource) with a bearer token. */
  public HttpResponse<String> userinfo(String bearer) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(userinfoUrl())).header("Authorization", "Bearer " + bearer).GET().build());
  }

  private HttpResponse<String> send(HttpRequest req) throws Exception {
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
