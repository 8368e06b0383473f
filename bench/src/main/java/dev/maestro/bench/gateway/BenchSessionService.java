package dev.maestro.bench.gateway;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The "upstream" of the benchmark: a SessionService whose send() streams {@code chunks} deltas,
 * the first at once and then one every {@code intervalMs}, each stamped with its publish time
 * ({@code event.t}, System.nanoTime of this JVM, where the clients also run).
 */
public class BenchSessionService implements SessionService {
  private final Vertx vertx;
  private final int chunks;
  private final long intervalMs;
  private final Map<String, Long> seqs = new ConcurrentHashMap<>();

  public BenchSessionService(Vertx vertx, int chunks, long intervalMs) {
    this.vertx = vertx;
    this.chunks = chunks;
    this.intervalMs = intervalMs;
  }

  private final Map<String, dev.maestro.platform.SessionFollowers> followers = new ConcurrentHashMap<>();

  /** Sends to the gateways following the session (issue 14, node inboxes), and publishes for the direct relay baseline. */
  private void publish(String sessionId, JsonObject event) {
    long seq = seqs.merge(sessionId, 1L, Long::sum);
    io.vertx.core.buffer.Buffer bytes = SessionEvents.encode(SessionEvents.envelope(sessionId, seq, event));
    dev.maestro.platform.SessionFollowers f = followers.get(sessionId);
    if (f != null) synchronized (f) {
      f.send(vertx.eventBus(), seq, -1, bytes);
    }
    SessionEvents.publish(vertx.eventBus(), sessionId, seq, bytes);
  }

  /** Answers follow requests like a session-service whose sessions are all live. */
  public io.vertx.core.eventbus.MessageConsumer<JsonObject> bindFollows() {
    return vertx.eventBus().consumer(Addresses.SESSION_FOLLOW, m -> {
      dev.maestro.platform.SessionFollowers f = followers.computeIfAbsent(m.body().getString("sessionId"),
          dev.maestro.platform.SessionFollowers::new);
      synchronized (f) {
        if (m.body().getBoolean("unfollow", false)) f.unfollow(m.body().getString("inbox"), m.body().getString("token"));
        else f.follow(m.body().getString("inbox"), m.body().getString("token"));
      }
      m.reply(new JsonObject().put("live", true).put("epoch", -1L).put("items", new JsonArray()));
    });
  }

  @Override
  public Future<JsonObject> sendWithAttachments(String userId, String sessionId, String text, io.vertx.core.json.JsonArray attachments) {
    return send(userId, sessionId, text);
  }

  @Override
  public Future<JsonObject> send(String userId, String sessionId, String text) {
    String turnId = UUID.randomUUID().toString();
    vertx.runOnContext(v -> {
      publish(sessionId, SessionEvents.turnStarted(turnId));
      emit(sessionId, turnId, 0);
    });
    return Future.succeededFuture(new JsonObject().put("messageId", UUID.randomUUID().toString()).put("turnId", turnId));
  }

  private void emit(String sessionId, String turnId, int i) {
    if (i == chunks) {
      publish(sessionId, SessionEvents.turnCompleted(turnId, "complete"));
      return;
    }
    publish(sessionId, SessionEvents.delta("chunk " + i + " ").put("t", System.nanoTime()));
    vertx.setTimer(intervalMs, t -> emit(sessionId, turnId, i + 1));
  }

  @Override
  public Future<JsonObject> get(String userId, String sessionId) {
    return Future.succeededFuture(new JsonObject().put("id", sessionId).put("messages", new JsonArray()));
  }

  @Override
  public Future<JsonObject> events(String userId, String sessionId, long afterSeq) {
    return Future.succeededFuture(new JsonObject().put("items", new JsonArray()));
  }

  private static <T> Future<T> unsupported() {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, "not part of the benchmark", new JsonObject());
  }

  @Override public Future<JsonObject> create(String userId, JsonObject spec) { return unsupported(); }
  @Override public Future<JsonObject> list(String userId, JsonObject query) { return unsupported(); }
  @Override public Future<JsonObject> update(String userId, String sessionId, JsonObject patch) { return unsupported(); }
  @Override public Future<Void> delete(String userId, String sessionId) { return unsupported(); }
  @Override public Future<JsonObject> fork(String userId, String sessionId, String atMessageId) { return unsupported(); }
  @Override public Future<Void> cancel(String userId, String sessionId) { return Future.succeededFuture(); }
  @Override public Future<Void> compact(String userId, String sessionId) { return unsupported(); }
  @Override public Future<Void> approve(String userId, String sessionId, String callId, String decision) { return unsupported(); }
  @Override public Future<JsonObject> requestElicitation(String sessionId, JsonObject request) { return unsupported(); }
  @Override public Future<Void> answerElicitation(String userId, String sessionId, String elicitationId, String action,
                                                  JsonObject content) { return unsupported(); }
  @Override public Future<JsonObject> export(String userId, String sessionId, String format) { return unsupported(); }
  @Override public Future<JsonObject> importSession(String userId, JsonObject export) { return unsupported(); }
  @Override public Future<JsonObject> createTemplate(String userId, JsonObject template) { return unsupported(); }
  @Override public Future<JsonObject> listTemplates(String userId, JsonObject query) { return unsupported(); }
  @Override public Future<JsonObject> getTemplate(String userId, String templateId) { return unsupported(); }
  @Override public Future<JsonObject> updateTemplate(String userId, String templateId, JsonObject template) { return unsupported(); }
  @Override public Future<Void> deleteTemplate(String userId, String templateId) { return unsupported(); }

  @Override
  public Future<JsonObject> sendIdempotent(String userId, String sessionId, String text, String idempotencyKey) {
    return send(userId, sessionId, text);
  }
}
