package dev.maestro.testkit.oidc;

import io.vertx.core.json.JsonObject;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Plays the browser: follows the authorization server's redirects, answers its login and consent
 * interactions with form posts, and stops at the redirect back to Maestro's callback.
 */
public final class LoginDriver {
  private LoginDriver() {}

  /** The callback the server redirected to: its query parameters. */
  public record Callback(String code, String state, String error, URI uri) {}

  public static Callback login(String authorizeUrl, String account) throws Exception {
    HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    URI next = URI.create(authorizeUrl);
    for (int hop = 0; hop < 20; hop++) {
      if (next.toString().startsWith(OidcServer.REDIRECT_URI)) {
        Map<String, String> q = query(next);
        return new Callback(q.get("code"), q.get("state"), q.get("error"), next);
      }
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(next).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 == 3) {
        next = next.resolve(r.headers().firstValue("location").orElseThrow());
        continue;
      }
      if (r.statusCode() != 200 || !next.getPath().startsWith("/interaction/")) {
        throw new IllegalStateException("unexpected answer " + r.statusCode() + " from " + next + ": " + r.body());
      }
      String prompt = new JsonObject(r.body()).getString("prompt");
      HttpRequest post = "login".equals(prompt)
          ? HttpRequest.newBuilder(next.resolve(next.getPath() + "/login"))
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString("login=" + account)).build()
          : HttpRequest.newBuilder(next.resolve(next.getPath() + "/confirm"))
              .POST(HttpRequest.BodyPublishers.noBody()).build();
      HttpResponse<String> pr = http.send(post, HttpResponse.BodyHandlers.ofString());
      if (pr.statusCode() / 100 != 3) throw new IllegalStateException(prompt + " answered " + pr.statusCode() + ": " + pr.body());
      next = next.resolve(pr.headers().firstValue("location").orElseThrow());
    }
    throw new IllegalStateException("too many redirects");
  }

  public static Map<String, String> query(URI uri) {
    Map<String, String> out = new HashMap<>();
    if (uri.getRawQuery() == null) return out;
    for (String kv : uri.getRawQuery().split("&")) {
      String[] p = kv.split("=", 2);
      out.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
    }
    return out;
  }
}
