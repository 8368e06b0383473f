package dev.maestro.provider;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.provider.Providers;
import dev.maestro.platform.net.OutboundRefusedException;
import dev.maestro.provider.wire.Credential;
import dev.maestro.provider.wire.ErrorClassifier;
import dev.maestro.provider.wire.UpstreamError;
import dev.maestro.provider.wire.UpstreamRequest;
import dev.maestro.provider.wire.WireAdapter;
import dev.maestro.provider.wire.Wires;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link ProviderService}: validates, resolves the credential, runs a {@link StreamCall} per stream. */
public final class ProviderServiceImpl implements ProviderService {
  private final Vertx vertx;
  private final ProviderSettings settings;
  private final Credentials credentials;
  private final UpstreamClients clients;
  private final Adapters adapters = new Adapters();
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final dev.maestro.platform.DeadRequesterWatch requesters;

  private static final class Running {
    volatile StreamCall call;
    volatile boolean cancelled;
    BusSink sink;
    volatile Runnable unwatch;
  }

  public ProviderServiceImpl(Vertx vertx, ProviderSettings settings, Credentials credentials, UpstreamClients clients) {
    this(vertx, settings, credentials, clients, null);
  }

  /** requesters: stops the streams of a requesting node that left the cluster (null: never). */
  public ProviderServiceImpl(Vertx vertx, ProviderSettings settings, Credentials credentials, UpstreamClients clients,
                             dev.maestro.platform.DeadRequesterWatch requesters) {
    this.requesters = requesters;
    // stream events go out in the binary codec (session-service registers it too)
    dev.maestro.contracts.provider.StreamEventCodec.register(vertx);
    this.vertx = vertx;
    this.settings = settings;
    this.credentials = credentials;
    this.clients = clients;
  }

  @Override
  public Future<Void> stream(JsonObject requestJson, String replyAddress, String streamId) {
    JsonArray errors = new JsonArray();
    ChatRequest request = null;
    if (requestJson == null) {
      errors.add(error("request", "is required"));
    } else {
      try {
        request = new ChatRequest(requestJson);
      } catch (RuntimeException e) {
        errors.add(error("request", "is not a valid ChatRequest: " + e.getMessage()));
      }
    }
    if (request != null) validate(request, errors);
    if (replyAddress == null || replyAddress.isBlank()) errors.add(error("replyAddress", "is required"));
    if (streamId == null || streamId.isBlank()) errors.add(error("streamId", "is required"));
    else if (running.containsKey(streamId)) errors.add(error("streamId", "is already streaming"));
    if (!errors.isEmpty()) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "invalid stream request", new JsonObject().put("errors", errors));
    }
    String requester = requestJson.getString(dev.maestro.platform.DeadRequesterWatch.FIELD);
    if (requesters != null && !requesters.mayServe(requester)) {
      return ServiceException.fail(ErrorCodes.UNAVAILABLE, "the requesting node " + requester + " is not a member of "
          + "this cluster (it left, or a network partition has not merged yet); the stream was not started");
    }
    ChatRequest req = request;
    Running r = new Running();
    running.put(streamId, r);
    BusSink sink = new BusSink(vertx, replyAddress, streamId, () -> finished(streamId, r));
    // no consumer per stream: this node's one cancel consumer (listenForCancels) finds it in running
    r.sink = sink;
    // nobody reads a stream whose requester died (kill -9): the upstream connection is closed, not left generating
    if (requesters != null) {
      r.unwatch = requesters.watch(requestJson.getString(dev.maestro.platform.DeadRequesterWatch.FIELD), () -> {
        if (running.get(streamId) == r) cancelLocal(streamId, r, sink);
      });
    }
    credentials.resolve(req.getCredentialId()).onComplete(ar -> {
      if (r.cancelled || sink.terminated()) return;
      if (ar.failed()) {
        // auth-service down or slow is not the credential's fault
        boolean unreachable = ar.cause() instanceof ReplyException re && !(re instanceof ServiceException)
            && (re.failureType() == ReplyFailure.NO_HANDLERS || re.failureType() == ReplyFailure.TIMEOUT);
        sink.error(unreachable ? ProviderEvents.UPSTREAM_UNAVAILABLE : ProviderEvents.AUTH_FAILED,
            unreachable ? "auth-service unavailable: " + ar.cause().getMessage()
                : "credential " + req.getCredentialId() + " is not usable: " + ar.cause().getMessage());
        return;
      }
      Credential cred = ar.result();
      String provider = req.getProvider() != null ? req.getProvider() : cred.provider();
      if (cred.provider() != null && !cred.provider().equals(provider)) {
        sink.error(ProviderEvents.BAD_REQUEST, "credential " + cred.id() + " is for " + cred.provider() + ", not " + provider);
        return;
      }
      WireAdapter adapter = adapters.forStream(provider, req);
      if (adapter == null) {
        sink.error(ProviderEvents.BAD_REQUEST, "unknown provider '" + provider + "'");
        return;
      }
      String baseUrl = baseUrl(provider, cred);
      if (baseUrl == null) {
        sink.error(ProviderEvents.BAD_REQUEST, "credential " + cred.id() + " has no baseUrl (required for " + provider + ")");
        return;
      }
      StreamCall call = new StreamCall(vertx, settings, clients.client(provider), clients.outbound(),
          clients.breaker(provider, baseUrl), adapter, credentials, req, cred, baseUrl, sink);
      r.call = call;
      call.start();
    });
    return Future.succeededFuture();
  }

  private static void validate(ChatRequest req, JsonArray errors) {
    if (req.getProvider() != null && !Providers.ALL.contains(req.getProvider())) {
      errors.add(error("provider", "must be one of " + String.join(", ", Providers.ALL)));
    }
    if (req.getCredentialId() == null || req.getCredentialId().isBlank()) errors.add(error("credentialId", "is required"));
    if (req.getModel() == null || req.getModel().isBlank()) errors.add(error("model", "is required"));
    if (req.getMessages() == null || req.getMessages().isEmpty()) {
      errors.add(error("messages", "must hold at least one message"));
    } else {
      for (int i = 0; i < req.getMessages().size(); i++) {
        if (!(req.getMessages().getValue(i) instanceof JsonObject m) || m.getValue("content") == null) {
          errors.add(error("messages[" + i + "]", "must be an object with role and content"));
        }
      }
    }
    if (req.getTools() != null) {
      for (int i = 0; i < req.getTools().size(); i++) {
        if (!(req.getTools().getValue(i) instanceof JsonObject t) || t.getString("name") == null) {
          errors.add(error("tools[" + i + "]", "must be an object with a name"));
        }
      }
    }
    if (req.getMaxTokens() != null && req.getMaxTokens() <= 0) errors.add(error("maxTokens", "must be positive"));
  }

  private static JsonObject error(String field, String message) {
    return new JsonObject().put("field", field).put("message", message);
  }

  private static String baseUrl(String provider, Credential cred) {
    String url = cred.baseUrl() != null && !cred.baseUrl().isBlank() ? cred.baseUrl() : Providers.defaultBaseUrl(provider);
    return url == null ? null : Wires.trimSlash(url);
  }

  private void finished(String streamId, Running r) {
    running.remove(streamId, r);
    if (r.unwatch != null) r.unwatch.run();
  }

  private void cancelLocal(String streamId, Running r, BusSink sink) {
    r.cancelled = true;
    StreamCall call = r.call;
    if (call != null) {
      call.cancel();
    } else {
      // still resolving the credential: nothing upstream is open yet
      vertx.getOrCreateContext().runOnContext(v -> sink.error(ProviderEvents.CANCELLED, "cancelled by the caller"));
    }
  }

  @Override
  public Future<Void> cancel(String streamId) {
    if (streamId == null || streamId.isBlank()) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "streamId is required",
          new JsonObject().put("errors", new JsonArray().add(error("streamId", "is required"))));
    }
    Running r = running.get(streamId);
    if (r != null) {
      cancelLocal(streamId, r, r.sink);
      return Future.succeededFuture();
    }
    // not here: every provider node hears it and the one running the stream stops it (a finished or unknown
    // stream is a no-op everywhere, as before). Published, not one consumer per stream (issue 14), so nobody
    // confirms it: the caller learns the end from the stream's own error/cancelled event, as before.
    vertx.eventBus().publish(ProviderEvents.CANCEL_ADDRESS, ProviderEvents.cancelRequest(streamId));
    return Future.succeededFuture();
  }

  /**
   * Registers this node's one consumer of cancels published by other nodes ({@link #cancel}); the verticle
   * does it once at start. Registered once, so a stream costs no cluster-wide subscription put/remove
   * (each an entry event to every member: issue 14).
   */
  public MessageConsumer<JsonObject> listenForCancels() {
    return vertx.eventBus().<JsonObject>consumer(ProviderEvents.CANCEL_ADDRESS, msg -> {
      String streamId = msg.body() == null ? null : msg.body().getString("streamId");
      Running r = streamId == null ? null : running.get(streamId);
      if (r != null) cancelLocal(streamId, r, r.sink);
    });
  }

  @Override
  public Future<List<JsonObject>> listModels(String provider, String credentialId) {
    if (credentialId == null || credentialId.isBlank()) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "credentialId is required",
          new JsonObject().put("errors", new JsonArray().add(error("credentialId", "is required"))));
    }
    if (provider != null && !provider.isBlank() && !Providers.ALL.contains(provider)) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "unknown provider " + provider,
          new JsonObject().put("errors", new JsonArray().add(error("provider", "must be one of " + String.join(", ", Providers.ALL)))));
    }
    return credentials.resolve(credentialId).compose(cred -> {
      String p = provider != null && !provider.isBlank() ? provider : cred.provider();
      if (cred.provider() != null && !cred.provider().equals(p)) {
        return ServiceException.fail(ErrorCodes.BAD_REQUEST, "credential is for " + cred.provider() + ", not " + p,
            new JsonObject().put("errors", new JsonArray().add(error("provider", "does not match the credential"))));
      }
      WireAdapter adapter = adapters.forModels(p);
      String baseUrl = baseUrl(p, cred);
      if (adapter == null || baseUrl == null) {
        return ServiceException.fail(ErrorCodes.BAD_REQUEST, "credential has no usable provider/baseUrl",
            new JsonObject().put("errors", new JsonArray().add(error("baseUrl", "is required for " + p))));
      }
      return fetchModels(p, adapter, cred, baseUrl, true);
    });
  }

  private Future<List<JsonObject>> fetchModels(String provider, WireAdapter adapter, Credential cred, String baseUrl, boolean mayRefresh) {
    UpstreamRequest up = adapter.modelsRequest(cred, baseUrl);
    RequestOptions base = new RequestOptions().setMethod(up.method()).setHeaders(up.headers())
        .setIdleTimeout(settings.firstByteTimeoutMs());
    // resolved and checked here, then sent to exactly the checked address (no DNS rebinding)
    return clients.outbound().options(up.url(), base)
        .recover(err -> {
          if (err instanceof OutboundRefusedException refused && refused.rule() != OutboundRefusedException.Rule.UNRESOLVED) {
            return ServiceException.fail(ErrorCodes.BAD_REQUEST, "base URL " + refused.getMessage(), new JsonObject()
                .put("errors", new JsonArray().add(error("baseUrl", refused.getMessage()))));
          }
          return ServiceException.fail(ErrorCodes.UPSTREAM, "cannot reach " + provider + " at " + UpstreamClients.origin(up.url())
              + ": the host does not resolve", new JsonObject().put("code", ProviderEvents.UPSTREAM_UNAVAILABLE));
        })
        .compose(options -> clients.client(provider).request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> new Object[] {resp, body}))
        .recover(err -> ServiceException.fail(ErrorCodes.UPSTREAM, "cannot reach " + provider + " at "
                + UpstreamClients.origin(up.url()) + ": " + err.getMessage(),
            new JsonObject().put("code", ProviderEvents.UPSTREAM_UNAVAILABLE))))
        .compose(pair -> {
          HttpClientResponse resp = (HttpClientResponse) pair[0];
          io.vertx.core.buffer.Buffer body = (io.vertx.core.buffer.Buffer) pair[1];
          if (resp.statusCode() / 100 == 2) {
            JsonObject json = Wires.jsonOrNull(body);
            if (json == null) {
              return ServiceException.fail(ErrorCodes.UPSTREAM, provider + " answered a model list that is not JSON",
                  new JsonObject().put("code", ProviderEvents.UPSTREAM_UNAVAILABLE));
            }
            return Future.succeededFuture(adapter.parseModels(provider, json));
          }
          UpstreamError e = adapter.parseError(resp.statusCode(), resp.headers(), body);
          if (e.status() == 401 && cred.bearer() && mayRefresh) {
            return credentials.refresh(cred.id()).compose(c -> fetchModels(provider, adapter, c, baseUrl, false));
          }
          ErrorClassifier.Classified c = ErrorClassifier.classify(e);
          // the provider's own JSON error message (cleaned, capped) or just the status: never the raw body
          String m = Wires.errorMessage(e.message());
          return ServiceException.fail(ErrorCodes.UPSTREAM, provider + " " + e.status() + ": "
                  + (m.isEmpty() ? "the server at " + UpstreamClients.origin(baseUrl) + " answered " + e.status() : m),
              new JsonObject().put("code", c.code()).put("status", e.status()));
        });
  }

  @Override
  public Future<JsonObject> validateCredential(String credentialId) {
    return listModels(null, credentialId)
        .map(models -> new JsonObject().put("ok", true).put("message", models.size() + " models available"))
        .recover(err -> {
          if (err instanceof ServiceException se && se.failureCode() == ErrorCodes.UPSTREAM) {
            return Future.succeededFuture(new JsonObject().put("ok", false).put("message", se.getMessage())
                .put("code", se.getDebugInfo() == null ? null : se.getDebugInfo().getString("code")));
          }
          return Future.failedFuture(err);
        });
  }
}
