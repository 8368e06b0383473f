package dev.maestro.auth.oauth;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Calls a token endpoint (RFC 6749 §4.1.3 and §6). Done with the web client rather than
 * OAuth2Auth#authenticate because the refresher must tell {@code invalid_grant} from a network
 * error, and must store tokens exactly as issued (no id_token validation against unknown JWKs).
 * Client authentication follows the client's token_endpoint_auth_method (RFC 7591):
 * {@code client_secret_basic} → HTTP Basic (form-urlencoded id and secret, §2.3.1),
 * {@code client_secret_post} → client_id and client_secret in the body, {@code none} → client_id only.
 * Clients without a recorded method use Basic when they have a secret, else none.
 */
public final class TokenClient {
  private static final long TIMEOUT_MS = 15_000;
  private final WebClient web;

  public TokenClient(WebClient web) {
    this.web = web;
  }

  /** @param resource RFC 8707 resource indicator (MCP servers) or null */
  public Future<TokenResponse> exchangeCode(OAuthClientConfig client, String code, String redirectUri, String verifier,
                                            String resource) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap()
        .add("grant_type", "authorization_code")
        .add("code", code)
        .add("redirect_uri", redirectUri)
        .add("code_verifier", verifier);
    if (resource != null) form.add("resource", resource);
    return grant(client, form);
  }

  public Future<TokenResponse> refresh(OAuthClientConfig client, String refreshToken, String resource) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap()
        .add("grant_type", "refresh_token")
        .add("refresh_token", refreshToken);
    if (resource != null) form.add("resource", resource);
    return grant(client, form);
  }

  private Future<TokenResponse> grant(OAuthClientConfig client, MultiMap form) {
    HttpRequest<io.vertx.core.buffer.Buffer> req = web.postAbs(client.tokenUrl()).timeout(TIMEOUT_MS)
        .putHeader("Accept", "application/json");
    client.extraHeaders().forEach(e -> req.putHeader(e.getKey(), String.valueOf(e.getValue())));
    switch (client.effectiveTokenAuthMethod()) {
      case OAuthClientConfig.BASIC -> {
        String basic = enc(client.clientId()) + ":" + enc(client.clientSecret());
        req.putHeader("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
      }
      case OAuthClientConfig.POST -> form.add("client_id", client.clientId()).add("client_secret", client.clientSecret());
      default -> form.add("client_id", client.clientId());
    }
    return req.sendForm(form)
        .recover(err -> Future.failedFuture(new TokenGrantException(false, null,
            "token endpoint " + client.tokenUrl() + " unreachable: " + err.getMessage())))
        .compose(resp -> parse(client, resp));
  }

  private static Future<TokenResponse> parse(OAuthClientConfig client, HttpResponse<io.vertx.core.buffer.Buffer> resp) {
    JsonObject body;
    try {
      body = resp.body() == null ? new JsonObject() : resp.bodyAsJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    int status = resp.statusCode();
    if (status == 200 && body != null && body.getString("access_token") != null) {
      Object exp = body.getValue("expires_in");
      Long expiresIn = exp instanceof Number n ? Long.valueOf(n.longValue())
          : exp instanceof String s && s.matches("\\d+") ? Long.valueOf(s) : null;
      return Future.succeededFuture(new TokenResponse(body.getString("access_token"), body.getString("refresh_token"), expiresIn));
    }
    boolean retryable = status >= 500 || status == 429 || status == 408;
    String error = body == null ? null : body.getString("error");
    String description = body == null ? null : body.getString("error_description");
    String message = "token endpoint of " + client.name() + " answered " + status
        + (error != null ? " " + error : "") + (description != null ? ": " + description : "");
    return Future.failedFuture(new TokenGrantException(!retryable && error != null || status == 400 || status == 401,
        error, message));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
