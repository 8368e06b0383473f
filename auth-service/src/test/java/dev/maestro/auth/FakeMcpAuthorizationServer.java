package dev.maestro.auth;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scriptable MCP authorization server like the conformance fixtures: PRM at
 * /.well-known/oauth-protected-resource/mcp, AS metadata, /register, /authorize (approves at once),
 * /token; it records what the client sent. {@code metadata} is merged into the AS metadata (a null
 * value removes a key, e.g. registration_endpoint).
 */
class FakeMcpAuthorizationServer {
  record TokenRequest(String authorization, MultiMap form) {}

  final List<String> authorizeScopes = new CopyOnWriteArrayList<>();
  final List<String> authorizeClientIds = new CopyOnWriteArrayList<>();
  final List<JsonObject> registrations = new CopyOnWriteArrayList<>();
  final List<TokenRequest> tokenRequests = new CopyOnWriteArrayList<>();
  /** The iss the authorize endpoint puts on its redirect (RFC 9207); null: none. Tests play a mix-up with it. */
  volatile String authorizeIss;
  final HttpServer server;
  final String origin;

  FakeMcpAuthorizationServer(Vertx vertx, JsonArray scopesSupported, JsonArray authMethodsSupported, JsonObject registrationAnswer,
                             JsonObject metadata) throws Exception {
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create());
    String[] base = new String[1];
    r.get("/.well-known/oauth-protected-resource/mcp").handler(ctx -> {
      JsonObject prm = new JsonObject().put("resource", base[0] + "/mcp").put("authorization_servers", new JsonArray().add(base[0]));
      if (scopesSupported != null) prm.put("scopes_supported", scopesSupported);
      ctx.json(prm);
    });
    r.get("/.well-known/oauth-authorization-server").handler(ctx -> {
      JsonObject as = new JsonObject().put("issuer", base[0]).put("authorization_endpoint", base[0] + "/authorize")
          .put("token_endpoint", base[0] + "/token").put("registration_endpoint", base[0] + "/register")
          .put("code_challenge_methods_supported", new JsonArray().add("S256"));
      if (authMethodsSupported != null) as.put("token_endpoint_auth_methods_supported", authMethodsSupported);
      metadata.forEach(e -> {
        if (e.getValue() == null) as.remove(e.getKey());
        else as.put(e.getKey(), e.getValue());
      });
      ctx.json(as);
    });
    r.post("/register").handler(ctx -> {
      registrations.add(ctx.body().asJsonObject());
      ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
          .end(registrationAnswer.copy().put("redirect_uris", ctx.body().asJsonObject().getJsonArray("redirect_uris")).encode());
    });
    r.get("/authorize").handler(ctx -> {
      authorizeScopes.add(ctx.request().getParam("scope", ""));
      authorizeClientIds.add(ctx.request().getParam("client_id", ""));
      ctx.response().setStatusCode(302).putHeader("Location", ctx.request().getParam("redirect_uri")
          + "?code=test-code&state=" + ctx.request().getParam("state")
          + (authorizeIss == null ? "" : "&iss=" + java.net.URLEncoder.encode(authorizeIss, java.nio.charset.StandardCharsets.UTF_8))).end();
    });
    r.post("/token").handler(ctx -> {
      tokenRequests.add(new TokenRequest(ctx.request().getHeader("Authorization"), MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().formAttributes())));
      ctx.json(new JsonObject().put("access_token", "at-" + tokenRequests.size()).put("token_type", "Bearer")
          .put("expires_in", 3600).put("refresh_token", "rt-" + tokenRequests.size()));
    });
    server = vertx.createHttpServer().requestHandler(r).listen(0, "127.0.0.1").await(AuthTestBase.T, TimeUnit.SECONDS);
    origin = "http://127.0.0.1:" + server.actualPort();
    base[0] = origin;
  }

  String mcpUrl() {
    return origin + "/mcp";
  }

  String challenge(String extra) {
    return "Bearer " + extra + (extra.isEmpty() ? "" : ", ") + "resource_metadata=\"" + origin + "/.well-known/oauth-protected-resource/mcp\"";
  }
}
