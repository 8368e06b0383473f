package dev.maestro.auth.oauth;

import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundRefusedException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Authorization code + PKCE (S256) and refresh through vertx-auth-oauth2: one {@link OAuth2Auth} per
 * OAuth client and RFC 8707 resource (the resource goes into every token request of that provider
 * as an extra parameter), reused while the client's settings do not change.
 *
 * <p>Usage notes for 5.0.7 (read from its source): {@code OAuth2AuthorizationURL#setRedirectUri},
 * {@code setCodeChallenge} and {@code setCodeChallengeMethod} are stored <em>in</em> the additional
 * parameters, so {@code setAdditionalParameters} must come first or it wipes them; state, scope,
 * response_type and client_id are written after the additional parameters and win over them. The
 * provider's own extra parameters are sent with every token request, so authorize-only extras
 * (access_type, prompt) go into the URL, never into the options. A failed grant is a plain failure whose
 * message is {@code "<error>: <description>"} for an OAuth error answer (the HTTP status is not kept),
 * which {@link GrantFailures} turns into a {@link TokenGrantException}. No JWKs are loaded, so tokens
 * are kept exactly as issued (no id_token validation against keys we never fetched).
 */
public final class OAuth2Client {
  private static final int CONNECT_TIMEOUT_MS = 10_000;
  /** No byte for this long on a token request's connection fails it (OAuth2API sets no request timeout). */
  private static final int IDLE_TIMEOUT_SECONDS = 15;

  private final Vertx vertx;
  private final OutboundHttp outbound;
  private final Map<String, Provider> providers = new ConcurrentHashMap<>();

  private record Provider(String fingerprint, OAuth2Auth auth) {}

  /** @param outbound the policy every token endpoint is checked against before each grant */
  public OAuth2Client(Vertx vertx, OutboundHttp outbound) {
    this.vertx = vertx;
    this.outbound = outbound;
  }

  /** RFC 6749 §4.1.1 + RFC 7636 (+ RFC 8707 {@code resource} when given). */
  public String authorizeUrl(OAuthClientConfig cfg, String redirectUri, String state, String challenge, String resource,
                             JsonArray scopes) {
    Map<String, String> extra = new HashMap<>(queryOf(cfg.authorizeUrl()));
    cfg.extraParams().forEach(e -> extra.put(e.getKey(), String.valueOf(e.getValue())));
    OAuth2AuthorizationURL url = new OAuth2AuthorizationURL().setAdditionalParameters(extra)
        .setRedirectUri(redirectUri)
        .setState(state)
        .setCodeChallenge(challenge)
        .setCodeChallengeMethod("S256");
    if (resource != null) url.putAdditionalParameter("resource", resource);
    List<String> scopeList = scopes == null ? List.of() : scopes.stream().map(String::valueOf).toList();
    if (!scopeList.isEmpty()) url.setScopes(scopeList);
    return provider(cfg, resource).authorizeURL(url);
  }

  /** @param resource RFC 8707 resource indicator (MCP servers) or null */
  public Future<TokenResponse> exchangeCode(OAuthClientConfig cfg, String code, String redirectUri, String verifier,
                                            String resource) {
    Oauth2Credentials credentials = new Oauth2Credentials().setFlow(OAuth2FlowType.AUTH_CODE)
        .setCode(code).setRedirectUri(redirectUri).setCodeVerifier(verifier);
    return checked(cfg).compose(v -> grant(cfg, () -> provider(cfg, resource).authenticate(credentials)));
  }

  public Future<TokenResponse> refresh(OAuthClientConfig cfg, String refreshToken, String resource) {
    User user = User.create(new JsonObject().put("refresh_token", refreshToken));
    return checked(cfg).compose(v -> grant(cfg, () -> provider(cfg, resource).refresh(user)));
  }

  /**
   * The token endpoint may have been named by a foreign authorization server (MCP discovery): it is
   * checked against the outbound policy before every grant. vertx-auth-oauth2 resolves the name again
   * itself (its HTTP client cannot be pinned to an address), so a name re-pointed between this check
   * and that lookup is the one DNS-rebinding window left; a refused endpoint is a refusal for good.
   * A name that does not resolve is left to fail (and be retried) as a network error.
   */
  private Future<Void> checked(OAuthClientConfig cfg) {
    return outbound.check(cfg.tokenUrl()).<Void>mapEmpty().recover(err -> {
      if (err instanceof OutboundRefusedException r && r.rule() != OutboundRefusedException.Rule.UNRESOLVED) {
        return Future.failedFuture(new TokenGrantException(true, null, "token endpoint of " + cfg.name() + " (" + cfg.tokenUrl()
            + ") " + r.getMessage()));
      }
      return Future.succeededFuture();
    });
  }

  private static Future<TokenResponse> grant(OAuthClientConfig cfg, java.util.function.Supplier<Future<User>> call) {
    Future<User> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.recover(err -> Future.failedFuture(GrantFailures.classify(cfg, err)))
        .map(user -> TokenResponse.of(user.principal()));
  }

  private OAuth2Auth provider(OAuthClientConfig cfg, String resource) {
    String key = cfg.id() + " " + (resource == null ? "" : resource);
    String fingerprint = fingerprint(cfg);
    Provider p = providers.compute(key, (k, old) -> old != null && old.fingerprint().equals(fingerprint) ? old
        : new Provider(fingerprint, OAuth2Auth.create(vertx, options(cfg, resource))));
    return p.auth();
  }

  static OAuth2Options options(OAuthClientConfig cfg, String resource) {
    String method = cfg.effectiveTokenAuthMethod();
    JsonObject headers = cfg.extraHeaders().copy();
    OAuth2Options o = new OAuth2Options()
        .setSupportedGrantTypes(List.of(OAuth2FlowType.AUTH_CODE.getGrantType(), "refresh_token"))
        .setClientId(cfg.clientId())
        .setAuthorizationPath(withoutQuery(cfg.authorizeUrl()))
        .setTokenPath(cfg.tokenUrl())
        .setUserAgent("maestro-auth")
        .setHttpClientOptions(new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS)
            .setIdleTimeout(IDLE_TIMEOUT_SECONDS).setIdleTimeoutUnit(TimeUnit.SECONDS));
    switch (method) {
      case OAuthClientConfig.BASIC -> {
        if (enc(cfg.clientId()).equals(cfg.clientId()) && enc(cfg.clientSecret()).equals(cfg.clientSecret())) {
          o.setClientSecret(cfg.clientSecret()).setUseBasicAuthorization(true);
        } else {
          // OAuth2API joins id and secret as they are; RFC 6749 §2.3.1 wants each form-urlencoded first,
          // which differs for reserved characters. Then the header is ours and the library sends
          // client_id in the body as for a public client (allowed, and it matches the header).
          String basic = enc(cfg.clientId()) + ":" + enc(cfg.clientSecret());
          headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
      }
      case OAuthClientConfig.POST -> o.setClientSecret(cfg.clientSecret()).setUseBasicAuthorization(false);
      default -> { /* none: client_id in the body only */ }
    }
    o.setHeaders(headers);
    if (resource != null) o.setExtraParameters(new JsonObject().put("resource", resource));
    return o;
  }

  private static String fingerprint(OAuthClientConfig cfg) {
    String all = String.join("\n", cfg.authorizeUrl(), cfg.tokenUrl(), cfg.clientId(),
        String.valueOf(cfg.clientSecret()), String.valueOf(cfg.tokenAuthMethod()), cfg.extraHeaders().encode());
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String withoutQuery(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }

  /** An authorize URL configured with a query keeps those parameters (OAuth2API appends '?' blindly). */
  private static Map<String, String> queryOf(String url) {
    Map<String, String> out = new HashMap<>();
    int q = url.indexOf('?');
    if (q < 0) return out;
    for (String kv : url.substring(q + 1).split("&")) {
      if (kv.isEmpty()) continue;
      int i = kv.indexOf('=');
      out.put(URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8),
          i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
