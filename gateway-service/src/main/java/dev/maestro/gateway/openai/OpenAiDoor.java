package dev.maestro.gateway.openai;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.gateway.api.ApiAuth;
import dev.maestro.gateway.api.Call;
import dev.maestro.gateway.api.Caller;
import dev.maestro.gateway.api.Operations;
import dev.maestro.gateway.api.Query;
import dev.maestro.gateway.api.Reply;
import dev.maestro.gateway.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.serviceproxy.ServiceException;

import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI-compatible door (issue 17): {@code POST /v1/chat/completions} and {@code GET /v1/models}. Both
 * are operations of the one front door ({@link Operations}: the current user, the API rate limit, the body
 * schema); this class is only their HTTP adapter, which authenticates with a Maestro API token (bearer
 * only: no cookie, so no CSRF question), writes OpenAI's shapes (SSE chunks ending in {@code data: [DONE]})
 * and renders every failure as OpenAI's error body with the front door's status.
 */
public final class OpenAiDoor {
  public static final String CHAT = "openAiChatCompletions";
  public static final String MODELS = "openAiListModels";

  private final Vertx vertx;
  private final ApiAuth auth;
  private final Operations operations;
  private final SessionService sessions;
  private final AuthService credentials;
  private final ProviderService providers;
  private final BodyHandler bodyHandler;

  public OpenAiDoor(Vertx vertx, ApiAuth auth, Operations operations, SessionService sessions, AuthService credentials,
                    ProviderService providers, long bodyLimit) {
    this.vertx = vertx;
    this.auth = auth;
    this.operations = operations;
    this.sessions = sessions;
    this.credentials = credentials;
    this.providers = providers;
    this.bodyHandler = BodyHandler.create(false).setBodyLimit(bodyLimit);
  }

  /** True for the operations this door routes itself (the JSON API's adapter leaves them alone). */
  public static boolean owns(JsonObject spec) {
    return spec != null && spec.getString("path", "").startsWith("/v1/");
  }

  // ------------------------------------------------------------------ operations

  /** {@code POST /v1/chat/completions}: → a chat.completion, or (stream) a {@link ChatRun} the adapter attaches to. */
  public Future<Reply> chat(Call c) {
    JsonObject body = c.body();
    Conversation conversation = Conversation.of(body.getJsonArray("messages"));
    ChatRun run = new ChatRun(vertx, sessions, c.userId(), body);
    return ChatTarget.resolve(c.userId(), body.getString("model"), sessions, credentials)
        .compose(target -> run.start(target, conversation, () -> operations.sendLimit(c.principal())))
        .compose(v -> run.streaming() ? Future.succeededFuture(Reply.ok(run)) : run.completion().map(Reply::ok));
  }

  /** {@code GET /v1/models}: the caller's templates as template:<name>, and the models of each usable credential. */
  public Future<Reply> models(Call c) {
    JsonArray data = new JsonArray();
    return sessions.listTemplates(c.userId(), new JsonObject().put("limit", 200)).compose(page -> {
      for (Object o : page.getJsonArray("items", new JsonArray())) {
        if (o instanceof JsonObject t) data.add(OpenAiShapes.model(ChatTarget.TEMPLATE_PREFIX + t.getString("name"), "maestro"));
      }
      return credentials.listCredentials(c.userId());
    }).compose(list -> {
      List<Future<List<JsonObject>>> lists = new ArrayList<>();
      List<String> seen = new ArrayList<>();
      for (JsonObject cred : list) {
        String provider = cred.getString("provider");
        if (seen.contains(provider) || !"active".equals(cred.getString("status", "active"))) continue;
        seen.add(provider);
        // a provider that cannot list its models right now leaves them out rather than failing the list
        lists.add(providers.listModels(provider, cred.getString("id")).recover(err -> Future.succeededFuture(List.of())));
      }
      return Future.join(lists).map(v -> {
        for (int i = 0; i < lists.size(); i++) {
          for (JsonObject m : lists.get(i).result()) data.add(OpenAiShapes.model(seen.get(i) + "/" + m.getString("id"), seen.get(i)));
        }
        return Reply.ok(new JsonObject().put("object", "list").put("data", data));
      });
    });
  }

  // ------------------------------------------------------------------ the HTTP adapter

  public void mount(Router router) {
    // a body over the limit (BodyHandler's 413) answers in OpenAI's shape too
    router.post("/v1/chat/completions").handler(bodyHandler).handler(rc -> handle(rc, CHAT))
        .failureHandler(rc -> fail(rc, new ServiceException(rc.statusCode() > 0 ? rc.statusCode() : 400,
            rc.statusCode() == 413 ? "the body is too large" : "bad request", new JsonObject())));
    router.get("/v1/models").handler(rc -> handle(rc, MODELS));
  }

  private void handle(RoutingContext rc, String operationId) {
    Future<Principal> who = rc.request().getHeader("Authorization") == null
        ? ServiceException.fail(401, "send your Maestro API token as Authorization: Bearer <token>", new JsonObject())
        : auth.authenticate(rc);
    String address = rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress();
    who.compose(p -> operations.invoke(operationId, Caller.of(p, address), rc.pathParams(), new Query(rc.queryParams()),
            () -> body(rc, CHAT.equals(operationId))))
        .onSuccess(reply -> {
          if (reply.body() instanceof ChatRun run) {
            run.attach(rc.response());
          } else {
            rc.response().setStatusCode(200).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                .end(Json.encodeToBuffer(reply.body()));
          }
        })
        .onFailure(err -> fail(rc, err));
  }

  private static JsonObject body(RoutingContext rc, boolean takesBody) {
    Buffer raw = rc.body() == null ? null : rc.body().buffer();
    if (raw == null || raw.length() == 0) {
      if (takesBody) throw new ServiceException(400, "send a JSON body with model and messages", new JsonObject());
      return null;
    }
    if (!takesBody) throw new ServiceException(400, "this operation takes no body", new JsonObject());
    Object parsed;
    try {
      parsed = Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw new ServiceException(400, "the body is not valid JSON", new JsonObject());
    }
    if (!(parsed instanceof JsonObject o)) throw new ServiceException(400, "the body must be a JSON object", new JsonObject());
    return o;
  }

  static void fail(RoutingContext rc, Throwable err) {
    if (rc.response().headWritten()) {
      rc.response().end();
      return;
    }
    JsonObject e = OpenAiErrors.of(err);
    int status = e.getInteger("status");
    var res = rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store");
    if (status == 429 && err instanceof ServiceException se && se.getDebugInfo() != null && se.getDebugInfo().getValue("retryAfter") != null) {
      res.putHeader("Retry-After", String.valueOf(se.getDebugInfo().getValue("retryAfter")));
    }
    if (status == 401) res.putHeader("WWW-Authenticate", "Bearer");
    res.end(e.getJsonObject("body").encode());
  }
}
