package dev.maestro.auth;

import dev.maestro.testkit.NodeDeps;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real authorization server of the tests: oidc-provider (src/test/node/oidc/server.js) in a
 * node process on a loopback port. Access tokens live {@code ACCESS_TTL} seconds.
 */
final class OidcServer implements AutoCloseable {
  static final Path DIR = Path.of("src/test/node/oidc").toAbsolutePath();
  static final String CLIENT_ID = "maestro-test";
  static final String CLIENT_SECRET = "maestro-test-secret-" + Long.toHexString(System.nanoTime());
  static final String REDIRECT_URI = "http://127.0.0.1:9/oauth/callback";

  private final Process process;
  final String issuer;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private OidcServer(Process process, String issuer) {
    this.process = process;
    this.issuer = issuer;
  }

  static OidcServer start(int accessTtlSeconds) throws Exception {
    NodeDeps.ensureInstalled(DIR);
    ProcessBuilder pb = new ProcessBuilder("node", "server.js").directory(DIR.toFile());
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

  String authorizeUrl() {
    return issuer + "/auth";
  }

  String tokenUrl() {
    return issuer + "/token";
  }

  String userinfoUrl() {
    return issuer + "/me";
  }

  JsonObject stats() throws Exception {
    return new JsonObject(send(HttpRequest.newBuilder(URI.create(issuer + "/test/stats")).GET().build()).body());
  }

  void setAccessTtl(int seconds) throws Exception {
    send(HttpRequest.newBuilder(URI.create(issuer + "/test/config?accessTtl=" + seconds))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  void revoke(String account) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(issuer + "/test/revoke?account=" + account))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    if (r.statusCode() != 200) throw new IllegalStateException("revoke failed: " + r.body());
  }

  /** Calls the userinfo endpoint (a protected resource) with a bearer token. */
  HttpResponse<String> userinfo(String bearer) throws Exception {
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
