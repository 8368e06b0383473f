package dev.maestro.gateway.fakes;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionRuntime;
import dev.maestro.testkit.services.FakeSessionService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * session-service's runtime contract for gateway tests: sessions and their owners are those of the
 * {@link FakeSessionService} beside it; the queue is kept in memory; another user's ids are NOT_FOUND.
 */
public class FakeSessionRuntime implements SessionRuntime {
  private final FakeSessionService sessions;
  /** sessionId → its waiting messages, oldest first. */
  public final Map<String, List<JsonObject>> queues = new ConcurrentHashMap<>();
  public final List<JsonObject> calls = new CopyOnWriteArrayList<>();

  public FakeSessionRuntime(FakeSessionService sessions) {
    this.sessions = sessions;
  }

  private Future<JsonObject> owned(String userId, String id) {
    JsonObject s = id == null ? null : sessions.sessions.get(id);
    if (s == null || !s.getString("userId").equals(userId)) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such session", new JsonObject());
    return Future.succeededFuture(s);
  }

  private static <T> Future<T> noMessage() {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such queued message", new JsonObject());
  }

  @Override
  public Future<JsonObject> submit(String userId, String sessionId, String text, String mode) {
    if (!QUEUE.equals(mode) && !STEER.equals(mode)) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "mode: must be queue or steer", new JsonObject());
    return owned(userId, sessionId).map(s -> {
      String id = UUID.randomUUID().toString();
      queues.computeIfAbsent(sessionId, k -> new CopyOnWriteArrayList<>())
          .add(new JsonObject().put("id", id).put("sessionId", sessionId).put("mode", mode).put("text", text));
      sessions.emit(sessionId, new JsonObject().put("type", SessionEvents.MESSAGE_QUEUED).put("messageId", id).put("mode", mode));
      return new JsonObject().put("messageId", id).put("mode", mode).put("queued", true);
    });
  }

  @Override
  public Future<JsonObject> listQueue(String userId, String sessionId) {
    return owned(userId, sessionId).map(s -> new JsonObject().put("items", new JsonArray(List.copyOf(queues.getOrDefault(sessionId, List.of()))))
        .putNull("nextCursor"));
  }

  @Override
  public Future<JsonObject> editQueued(String userId, String sessionId, String messageId, String text) {
    return owned(userId, sessionId).compose(s -> {
      for (JsonObject m : queues.getOrDefault(sessionId, List.of())) {
        if (m.getString("id").equals(messageId)) return Future.succeededFuture(m.put("text", text).copy());
      }
      return noMessage();
    });
  }

  @Override
  public Future<Void> removeQueued(String userId, String sessionId, String messageId) {
    return owned(userId, sessionId).compose(s -> queues.getOrDefault(sessionId, new CopyOnWriteArrayList<>())
        .removeIf(m -> m.getString("id").equals(messageId)) ? Future.succeededFuture() : noMessage());
  }

  @Override
  public Future<JsonObject> runs(String userId, String status) {
    JsonArray items = new JsonArray();
    queues.forEach((sessionId, q) -> {
      JsonObject s = sessions.sessions.get(sessionId);
      if (s != null && s.getString("userId").equals(userId) && !q.isEmpty() && (status == null || "queued".equals(status))) {
        items.add(new JsonObject().put("sessionId", sessionId).put("title", s.getString("title")).put("status", "queued")
            .put("queued", q.size()));
      }
    });
    return Future.succeededFuture(new JsonObject().put("items", items).putNull("nextCursor"));
  }

  @Override
  public Future<JsonObject> allowForSession(String userId, String sessionId, String callId) {
    return owned(userId, sessionId).map(s -> {
      calls.add(new JsonObject().put("op", "allowForSession").put("sessionId", sessionId).put("callId", callId));
      return new JsonObject();
    });
  }
}
