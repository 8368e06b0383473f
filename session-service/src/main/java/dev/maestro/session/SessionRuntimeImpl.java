package dev.maestro.session;

import dev.maestro.contracts.session.SessionRuntime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * The {@link SessionRuntime} contract. Submitting and "allow for this session" go to the session's
 * live owner (it publishes message_queued and starts what waits); the queue is read and changed in
 * PostgreSQL by any node (a message being started is claimed, so an edit can no longer reach it).
 */
public class SessionRuntimeImpl implements SessionRuntime {
  static final Set<String> MODES = Set.of(QUEUE, STEER);
  static final Set<String> RUN_STATUSES = Set.of("running", "waiting_approval", "queued");

  private final SessionStore sessions;
  private final RuntimeStore store;
  private final SessionRouter router;

  SessionRuntimeImpl(SessionStore sessions, RuntimeStore store, SessionRouter router) {
    this.sessions = sessions;
    this.store = store;
    this.router = router;
  }

  @Override
  public Future<JsonObject> submit(String userId, String sessionId, String text, String mode) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (!MODES.contains(mode)) return Fail.invalid("mode", "must be queue or steer");
    String problem = textProblem(text);
    if (problem != null) return Fail.invalid("text", problem);
    return sessions.session(userId, sessionId).compose(s -> router.call(s.getString("id"),
        new LiveCommand.Runtime(new JsonObject().put("op", "submit").put("text", text).put("mode", mode))));
  }

  @Override
  public Future<JsonObject> listQueue(String userId, String sessionId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return sessions.session(userId, sessionId).compose(s -> store.queued(userId, s.getString("id")))
        .map(items -> new JsonObject().put("items", items).putNull("nextCursor"));
  }

  @Override
  public Future<JsonObject> editQueued(String userId, String sessionId, String messageId, String text) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    String problem = textProblem(text);
    if (problem != null) return Fail.invalid("text", problem);
    return sessions.session(userId, sessionId).compose(s -> store.edit(userId, s.getString("id"), messageId, text));
  }

  @Override
  public Future<Void> removeQueued(String userId, String sessionId, String messageId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return sessions.session(userId, sessionId).compose(s -> store.remove(userId, s.getString("id"), messageId));
  }

  @Override
  public Future<JsonObject> runs(String userId, String status) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (status != null && !RUN_STATUSES.contains(status)) return Fail.invalid("status", "must be running, waiting_approval or queued");
    Future<List<JsonObject>> turns = "queued".equals(status) ? Future.succeededFuture(List.of()) : store.runningTurns(userId);
    return turns.compose(running -> store.queuedSessions(userId).map(queued -> {
      JsonArray items = new JsonArray();
      for (JsonObject t : running) {
        // a turn still stored as running whose owner is gone is not running: the next owner marks it interrupted
        String owner = t.getString("owner");
        if (owner != null && !router.alive(owner)) continue;
        String st = t.getString("waitingSince") != null ? "waiting_approval" : "running";
        if (status != null && !status.equals(st)) continue;
        long n = queued.stream().filter(q -> q.getString("sessionId").equals(t.getString("sessionId")))
            .mapToLong(q -> q.getLong("queued")).sum();
        t.remove("owner");
        items.add(t.put("status", st).put("queued", n));
      }
      if (status == null || "queued".equals(status)) {
        for (JsonObject q : queued) {
          boolean listed = items.stream().anyMatch(i -> ((JsonObject) i).getString("sessionId").equals(q.getString("sessionId")));
          if (!listed) items.add(q.put("status", "queued"));
        }
      }
      return new JsonObject().put("items", items).putNull("nextCursor");
    }));
  }

  @Override
  public Future<JsonObject> allowForSession(String userId, String sessionId, String callId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (blank(callId)) return Fail.invalid("callId", "is required");
    return sessions.session(userId, sessionId).compose(s -> router.call(s.getString("id"),
        new LiveCommand.Runtime(new JsonObject().put("op", "allowForSession").put("callId", callId))));
  }

  private static String textProblem(String text) {
    if (text == null || text.isBlank()) return "must not be empty";
    if (text.length() > SessionServiceImpl.MAX_TEXT) return "is longer than " + SessionServiceImpl.MAX_TEXT + " characters";
    return null;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
