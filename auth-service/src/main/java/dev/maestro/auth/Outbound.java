package dev.maestro.auth;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.platform.net.OutboundRefusedException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/**
 * auth-service's side of the outbound-URL policy: base URLs members type are checked when they are
 * stored, and every URL an OAuth or MCP authorization server names (metadata, registration, token
 * endpoint) is checked before it is fetched, each fetch going to the address that was checked.
 * Redirects are not followed.
 */
final class Outbound {
  private static final long TIMEOUT_MS = 10_000;
  private static final int MAX_BODY = 1 << 20;

  /** An answer of a foreign server: status and its JSON object body (null when it is not one). */
  record Answer(int status, JsonObject json) {}

  private final OutboundHttp http;
  private final HttpClient client;

  Outbound(OutboundHttp http, HttpClient client) {
    this.http = http;
    this.client = client;
  }

  OutboundPolicy policy() {
    return http.policy();
  }

  /**
   * A URL a member typed into {@code field}: refused with a field error (400) when the policy refuses it.
   * A name that does not resolve now is accepted; it is checked again, resolved, on every use.
   */
  Future<Void> checkField(String what, String field, String url) {
    if (url == null) return Future.succeededFuture();
    return http.check(url).<Void>mapEmpty().recover(err -> {
      if (err instanceof OutboundRefusedException r && r.rule() != OutboundRefusedException.Rule.UNRESOLVED) {
        return Future.failedFuture(refusedField(what, field, r));
      }
      return Future.succeededFuture();
    });
  }

  static ServiceException refusedField(String what, String field, OutboundRefusedException r) {
    return new ServiceException(ErrorCodes.BAD_REQUEST, "invalid " + what + ": " + field + " " + r.getMessage(),
        new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("field", field).put("message", r.getMessage()))));
  }

  /** The refusal as the failure of a URL a foreign server named ({@code what}: e.g. "the token endpoint"). */
  static ServiceException refusedForeign(String what, String url, OutboundRefusedException r) {
    return new ServiceException(ErrorCodes.BAD_REQUEST, what + " " + url + " " + r.getMessage());
  }

  Future<Void> check(String what, String url) {
    return http.check(url).<Void>mapEmpty().recover(err -> Future.failedFuture(err instanceof OutboundRefusedException r
        ? refusedForeign(what, url, r) : err));
  }

  Future<Answer> getJson(String url) {
    return send(HttpMethod.GET, url, null);
  }

  Future<Answer> postJson(String url, JsonObject body) {
    return send(HttpMethod.POST, url, body);
  }

  private Future<Answer> send(HttpMethod method, String url, JsonObject body) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("accept", "application/json").add("user-agent", "maestro-auth");
    if (body != null) headers.add("content-type", "application/json");
    return http.options(url, new RequestOptions().setMethod(method).setHeaders(headers).setTimeout(TIMEOUT_MS)
            .setFollowRedirects(false))
        .compose(o -> client.request(o))
        .compose(req -> body == null ? req.send() : req.send(body.toBuffer()))
        .compose(Outbound::read);
  }

  /** The body up to {@value #MAX_BODY} bytes; a longer one is cut off (connection reset) and counts as no JSON. */
  private static Future<Answer> read(HttpClientResponse resp) {
    Promise<Answer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.handler(chunk -> {
      if (done.future().isComplete()) return;
      if (body.length() + chunk.length() > MAX_BODY) {
        done.tryComplete(new Answer(resp.statusCode(), null));
        resp.request().reset();
      } else {
        body.appendBuffer(chunk);
      }
    });
    resp.exceptionHandler(done::tryFail);
    resp.endHandler(v -> done.tryComplete(new Answer(resp.statusCode(), json(body))));
    return done.future();
  }

  private static JsonObject json(Buffer b) {
    if (b == null || b.length() == 0) return null;
    try {
      Object v = io.vertx.core.json.Json.decodeValue(b);
      return v instanceof JsonObject o ? o : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
