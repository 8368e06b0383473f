package dev.maestro.tui.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's JSON API (API.md) as futures. Every non-2xx answer becomes an {@link ApiException}
 * carrying the problem's status and a one-line message (title: detail); a connection failure is an
 * ApiException with status 0.
 */
public final class GatewayClient {
  private final WebClient web;
  private final String baseUrl;
  private final String token;

  public GatewayClient(Vertx vertx, String baseUrl, String token) {
    this.web = WebClient.create(vertx, new WebClientOptions().setUserAgent("maestro-tui")
        .setConnectTimeout(10_000).setIdleTimeout(0));
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.token = token;
  }

  public String baseUrl() {
    return baseUrl;
  }

  public String token() {
    return token;
  }

  public void close() {
    web.close();
  }

  /** POST /api/v1/auth/token: mints an API token with a username and password. */
  public Future<String> mintToken(String username, String password, String name) {
    JsonObject body = new JsonObject().put("username", username).put("password", password).put("name", name);
    return web.requestAbs(HttpMethod.POST, baseUrl + "/api/v1/auth/token").sendJsonObject(body)
        .recover(GatewayClient::connectionFailure)
        .map(r -> json(r).getString("token"));
  }

  public Future<List<JsonObject>> listSessions(String query) {
    String q = query == null || query.isBlank() ? "" : "&q=" + enc(query);
    return get("/api/v1/sessions?limit=100" + q).map(GatewayClient::items);
  }

  public Future<JsonObject> createSession(JsonObject body) {
    return call(HttpMethod.POST, "/api/v1/sessions", body).map(GatewayClient::json);
  }

  public Future<JsonObject> getSession(String id) {
    return get("/api/v1/sessions/" + enc(id)).map(GatewayClient::json);
  }

  public Future<JsonObject> patchSession(String id, JsonObject changes) {
    return call(HttpMethod.PATCH, "/api/v1/sessions/" + enc(id), changes).map(GatewayClient::json);
  }

  public Future<Void> deleteSession(String id) {
    return call(HttpMethod.DELETE, "/api/v1/sessions/" + enc(id), null).mapEmpty();
  }

  /** POST messages: answers once the user message is stored, with {messageId, turnId}. */
  public Future<JsonObject> sendMessage(String sessionId, String text) {
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/messages", new JsonObject().put("text", text))
        .map(GatewayClient::json);
  }

  /** Issue 16: mode queue | steer → {messageId, mode, queued}, once the message is stored. */
  public Future<JsonObject> sendMessage(String sessionId, String text, String mode) {
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/messages", new JsonObject().put("text", text).put("mode", mode))
        .map(GatewayClient::json);
  }

  /** Issue 16: the caller's runs across sessions (running, waiting_approval, queued). */
  public Future<List<JsonObject>> runs() {
    return get("/api/v1/runs").map(GatewayClient::items);
  }

  /** Issue 16: allow a waiting call, and the tool for the rest of the session. */
  public Future<Void> allowForSession(String sessionId, String callId) {
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/approvals/" + enc(callId),
        new JsonObject().put("decision", "allow").put("forSession", true)).mapEmpty();
  }

  /** POST messages with MCP resources attached ([{serverId, uri}]). */
  public Future<JsonObject> sendMessage(String sessionId, String text, io.vertx.core.json.JsonArray attachments) {
    JsonObject body = new JsonObject().put("text", text);
    if (attachments != null && !attachments.isEmpty()) body.put("attachments", attachments);
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/messages", body).map(GatewayClient::json);
  }

  /** Resources of every connected MCP server: [{serverId, server, uri, name, ...}]. */
  public Future<List<JsonObject>> listMcpResources() {
    return get("/api/v1/mcp-resources").map(GatewayClient::items);
  }

  /** Prompts of every connected MCP server: [{serverId, server, name, arguments}]. */
  public Future<List<JsonObject>> listMcpPrompts() {
    return get("/api/v1/mcp-prompts").map(GatewayClient::items);
  }

  /** prompts/get → {text, messages, description}. */
  public Future<JsonObject> getMcpPrompt(String serverId, String name, JsonObject arguments) {
    return call(HttpMethod.POST, "/api/v1/mcp-servers/" + enc(serverId) + "/prompts/" + enc(name),
        new JsonObject().put("arguments", arguments)).map(GatewayClient::json);
  }

  public Future<Void> cancel(String sessionId) {
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/cancel", new JsonObject()).mapEmpty();
  }

  public Future<Void> compact(String sessionId) {
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/compact", new JsonObject()).mapEmpty();
  }

  public Future<Buffer> export(String sessionId, String format) {
    return get("/api/v1/sessions/" + enc(sessionId) + "/export?format=" + enc(format))
        .map(r -> r.body() == null ? Buffer.buffer() : r.body());
  }

  public Future<List<JsonObject>> listTemplates() {
    return get("/api/v1/templates").map(GatewayClient::items);
  }

  public Future<List<JsonObject>> listTools() {
    return get("/api/v1/tools").map(GatewayClient::items);
  }

  public Future<List<JsonObject>> listModels(String provider) {
    String q = provider == null ? "" : "?provider=" + enc(provider);
    return get("/api/v1/models" + q).map(GatewayClient::items);
  }

  /** GET /api/v1/usage (from/to null: the server's defaults) → {from, to, groupBy, items, total, budget}. */
  public Future<JsonObject> usage(String groupBy, String from, String to) {
    String q = "?groupBy=" + enc(groupBy) + (from == null ? "" : "&from=" + enc(from)) + (to == null ? "" : "&to=" + enc(to));
    return get("/api/v1/usage" + q).map(GatewayClient::json);
  }

  // ---- projects (issue 15)

  public Future<List<JsonObject>> listProjects() {
    return get("/api/v1/projects").map(GatewayClient::items);
  }

  public Future<List<JsonObject>> listCredentials() {
    return get("/api/v1/credentials").map(GatewayClient::items);
  }

  public Future<List<JsonObject>> listModels(String provider, String credentialId) {
    return get("/api/v1/models?provider=" + enc(provider) + "&credentialId=" + enc(credentialId)).map(GatewayClient::items);
  }

  public Future<JsonObject> changes(String sessionId) {
    return get("/api/v1/sessions/" + enc(sessionId) + "/changes").map(GatewayClient::json);
  }

  public Future<List<JsonObject>> checkpoints(String sessionId) {
    return get("/api/v1/sessions/" + enc(sessionId) + "/checkpoints").map(GatewayClient::items);
  }

  public Future<JsonObject> restore(String sessionId, String checkpointId) {
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/checkpoints/" + enc(checkpointId) + "/restore", new JsonObject())
        .map(GatewayClient::json);
  }

  public Future<JsonObject> commit(String sessionId, String message) {
    return call(HttpMethod.POST, "/api/v1/sessions/" + enc(sessionId) + "/commit", new JsonObject().put("message", message))
        .map(GatewayClient::json);
  }

  private Future<HttpResponse<Buffer>> get(String path) {
    return call(HttpMethod.GET, path, null);
  }

  private Future<HttpResponse<Buffer>> call(HttpMethod method, String path, JsonObject body) {
    HttpRequest<Buffer> req = web.requestAbs(method, baseUrl + path).bearerTokenAuthentication(token);
    Future<HttpResponse<Buffer>> f = body == null ? req.send() : req.sendJsonObject(body);
    return f.recover(GatewayClient::connectionFailure).compose(r -> r.statusCode() / 100 == 2
        ? Future.succeededFuture(r)
        : Future.failedFuture(problem(method, path, r)));
  }

  private static <T> Future<T> connectionFailure(Throwable t) {
    return Future.failedFuture(new ApiException("cannot reach the gateway: " + t.getMessage(), t));
  }

  /** One line from a problem+json answer (or the raw status when the body is not one). */
  static ApiException problem(HttpMethod method, String path, HttpResponse<Buffer> r) {
    String msg = "HTTP " + r.statusCode();
    try {
      JsonObject p = r.bodyAsJsonObject();
      if (p != null) {
        String title = p.getString("title", "");
        String detail = p.getString("detail", "");
        msg += (title.isEmpty() ? "" : " " + title) + (detail.isEmpty() || detail.equals(title) ? "" : ": " + detail);
        JsonArray errors = p.getJsonArray("errors");
        if (errors != null && !errors.isEmpty()) {
          JsonObject e = errors.getJsonObject(0);
          msg += " (" + e.getString("field") + ": " + e.getString("message") + ")";
        }
      }
    } catch (DecodeException | ClassCastException e) {
      // not problem+json: keep the status line
    }
    String line = msg.replace('\n', ' ');
    return new ApiException(r.statusCode(), line + " [" + method + " " + path.replaceAll("\\?.*", "") + "]");
  }

  private static JsonObject json(HttpResponse<Buffer> r) {
    if (r.statusCode() / 100 != 2) {
      throw problem(HttpMethod.GET, "", r);
    }
    Buffer b = r.body();
    return b == null || b.length() == 0 ? new JsonObject() : b.toJsonObject();
  }

  private static List<JsonObject> items(HttpResponse<Buffer> r) {
    Buffer b = r.body();
    if (b == null || b.length() == 0) {
      return List.of();
    }
    Object v = b.toJsonValue();
    JsonArray arr = v instanceof JsonArray a ? a : v instanceof JsonObject o ? o.getJsonArray("items", new JsonArray())
        : new JsonArray();
    List<JsonObject> out = new ArrayList<>();
    for (Object o : arr) {
      if (o instanceof JsonObject j) {
        out.add(j);
      }
    }
    return out;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
