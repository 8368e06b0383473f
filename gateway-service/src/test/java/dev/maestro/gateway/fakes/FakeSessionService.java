package dev.maestro.gateway.fakes;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory SessionService with the ownership rule of the contract and real published events. */
public class FakeSessionService implements SessionService {
  private final Vertx vertx;
  public final Map<String, JsonObject> sessions = new ConcurrentHashMap<>();
  public final Map<String, List<JsonObject>> events = new ConcurrentHashMap<>();
  public final Map<String, JsonObject> templates = new ConcurrentHashMap<>();
  public final List<JsonObject> calls = new CopyOnWriteArrayList<>();
  /** Runs inside {@link #events} before it answers: lets a test publish "in between". */
  public volatile Runnable beforeEventsReply;
  /** When true, send() does not stream a reply. */
  public volatile boolean quietSend;

  public FakeSessionService(Vertx vertx) {
    this.vertx = vertx;
  }

  private Future<JsonObject> owned(String userId, String id) {
    JsonObject s = id == null ? null : sessions.get(id);
    if (s == null || !s.getString("userId").equals(userId)) {
      return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such session", new JsonObject());
    }
    return Future.succeededFuture(s);
  }

  private JsonObject view(JsonObject s) {
    JsonObject v = s.copy();
    v.remove("userId");
    return v;
  }

  /** Publishes an event with the next seq and keeps it for events(). */
  public synchronized JsonObject emit(String sessionId, JsonObject event) {
    List<JsonObject> list = events.computeIfAbsent(sessionId, k -> new CopyOnWriteArrayList<>());
    long seq = list.size() + 1;
    JsonObject env = SessionEvents.envelope(sessionId, seq, event);
    list.add(env);
    vertx.eventBus().publish(Addresses.sessionEvents(sessionId), env);
    return env;
  }

  @Override
  public Future<JsonObject> create(String userId, JsonObject spec) {
    calls.add(new JsonObject().put("op", "create").put("userId", userId).put("spec", spec));
    String id = UUID.randomUUID().toString();
    String now = Instant.now().toString();
    JsonObject s = new JsonObject().put("id", id).put("userId", userId).put("title", spec.getString("title", "New session"))
        .put("provider", spec.getString("provider")).put("model", spec.getString("model"))
        .put("createdAt", now).put("updatedAt", now).put("messageCount", 0).put("messages", new JsonArray());
    sessions.put(id, s);
    return Future.succeededFuture(view(s));
  }

  @Override
  public Future<JsonObject> list(String userId, JsonObject query) {
    calls.add(new JsonObject().put("op", "list").put("userId", userId).put("query", query));
    JsonArray items = new JsonArray();
    sessions.values().stream().filter(s -> s.getString("userId").equals(userId))
        .filter(s -> query.getString("q") == null || s.getString("title").contains(query.getString("q")))
        .forEach(s -> {
          JsonObject v = view(s);
          v.remove("messages");
          items.add(v);
        });
    return Future.succeededFuture(new JsonObject().put("items", items).put("nextCursor", null));
  }

  @Override
  public Future<JsonObject> get(String userId, String sessionId) {
    return owned(userId, sessionId).map(this::view);
  }

  @Override
  public Future<JsonObject> update(String userId, String sessionId, JsonObject patch) {
    return owned(userId, sessionId).map(s -> view(s.mergeIn(patch)));
  }

  @Override
  public Future<Void> delete(String userId, String sessionId) {
    return owned(userId, sessionId).map(s -> {
      sessions.remove(sessionId);
      return null;
    });
  }

  @Override
  public Future<JsonObject> fork(String userId, String sessionId, String atMessageId) {
    return owned(userId, sessionId).compose(s -> create(userId, new JsonObject().put("title", s.getString("title") + " (fork)")
        .put("provider", s.getString("provider")).put("model", s.getString("model"))));
  }

  @Override
  public Future<JsonObject> send(String userId, String sessionId, String text) {
    return owned(userId, sessionId).map(s -> {
      String messageId = UUID.randomUUID().toString();
      String turnId = UUID.randomUUID().toString();
      s.getJsonArray("messages").add(new JsonObject().put("id", messageId).put("role", "user")
          .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text))).put("status", "complete"));
      s.put("messageCount", s.getJsonArray("messages").size());
      if (!quietSend) {
        vertx.runOnContext(v -> {
          String reply = UUID.randomUUID().toString();
          emit(sessionId, SessionEvents.turnStarted(turnId));
          emit(sessionId, SessionEvents.messageStarted(reply, "assistant"));
          emit(sessionId, SessionEvents.delta("echo: "));
          emit(sessionId, SessionEvents.delta(text));
          emit(sessionId, SessionEvents.messageCompleted(reply, 3, 4));
          emit(sessionId, SessionEvents.turnCompleted(turnId, "complete"));
        });
      }
      return new JsonObject().put("messageId", messageId).put("turnId", turnId);
    });
  }

  @Override
  public Future<Void> cancel(String userId, String sessionId) {
    return owned(userId, sessionId).map(s -> {
      calls.add(new JsonObject().put("op", "cancel").put("sessionId", sessionId));
      return null;
    });
  }

  @Override
  public Future<Void> compact(String userId, String sessionId) {
    return owned(userId, sessionId).mapEmpty();
  }

  @Override
  public Future<Void> approve(String userId, String sessionId, String callId, String decision) {
    return owned(userId, sessionId).map(s -> {
      calls.add(new JsonObject().put("op", "approve").put("sessionId", sessionId).put("callId", callId).put("decision", decision));
      return null;
    });
  }

  /** Pending elicitations a test sets up: elicitationId → requestedSchema. */
  public final Map<String, JsonObject> elicitations = new ConcurrentHashMap<>();
  private final Map<String, String> resolvedElicitations = new ConcurrentHashMap<>();

  @Override
  public Future<JsonObject> requestElicitation(String sessionId, JsonObject request) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "not in this fake", new JsonObject());
  }

  /** The same rules as session-service: unknown → 404, answered → 409, content checked by ElicitationForm. */
  @Override
  public Future<Void> answerElicitation(String userId, String sessionId, String elicitationId, String action, JsonObject content) {
    return owned(userId, sessionId).compose(s -> {
      if (resolvedElicitations.containsKey(elicitationId)) {
        return ServiceException.<Void>fail(ErrorCodes.CONFLICT, "already resolved", new JsonObject());
      }
      JsonObject schema = elicitations.get(elicitationId);
      if (schema == null) return ServiceException.<Void>fail(ErrorCodes.NOT_FOUND, "pending elicitation not found", new JsonObject());
      JsonObject filled = null;
      if (ElicitationForm.ACCEPT.equals(action)) {
        filled = ElicitationForm.applyDefaults(schema, content);
        JsonArray errors = ElicitationForm.validate(schema, filled);
        if (!errors.isEmpty()) {
          return ServiceException.<Void>fail(ErrorCodes.BAD_REQUEST, "content does not match the requested schema: "
              + ElicitationForm.describe(errors), new JsonObject().put("errors", errors));
        }
      }
      elicitations.remove(elicitationId);
      resolvedElicitations.put(elicitationId, action);
      calls.add(new JsonObject().put("op", "answerElicitation").put("sessionId", sessionId).put("elicitationId", elicitationId)
          .put("action", action).put("content", filled));
      return Future.<Void>succeededFuture();
    });
  }

  @Override
  public Future<JsonObject> events(String userId, String sessionId, long afterSeq) {
    return owned(userId, sessionId).map(s -> {
      Runnable hook = beforeEventsReply;
      if (hook != null) hook.run();
      JsonArray items = new JsonArray();
      for (JsonObject e : events.getOrDefault(sessionId, List.of())) {
        if (e.getLong("seq") > afterSeq) {
          items.add(new JsonObject().put("sessionId", sessionId).put("seq", e.getLong("seq")).put("event", e.getJsonObject("event")));
        }
      }
      return new JsonObject().put("items", items);
    });
  }

  @Override
  public Future<JsonObject> export(String userId, String sessionId, String format) {
    return owned(userId, sessionId).map(s -> "markdown".equals(format)
        ? new JsonObject().put("contentType", "text/markdown; charset=utf-8").put("body", "# " + s.getString("title") + "\n")
        : new JsonObject().put("contentType", "application/json").put("body", view(s)));
  }

  @Override
  public Future<JsonObject> importSession(String userId, JsonObject export) {
    return create(userId, new JsonObject().put("title", export.getString("title", "imported"))
        .put("provider", export.getString("provider", "openai")).put("model", export.getString("model", "m")));
  }

  @Override
  public Future<JsonObject> createTemplate(String userId, JsonObject template) {
    String id = UUID.randomUUID().toString();
    templates.put(id, template.copy().put("id", id).put("userId", userId));
    return Future.succeededFuture(template.copy().put("id", id));
  }

  @Override
  public Future<JsonObject> listTemplates(String userId, JsonObject query) {
    JsonArray items = new JsonArray();
    templates.values().stream().filter(t -> t.getString("userId").equals(userId)).forEach(t -> items.add(t.copy()));
    return Future.succeededFuture(new JsonObject().put("items", items).put("nextCursor", null));
  }

  private Future<JsonObject> ownedTemplate(String userId, String id) {
    JsonObject t = templates.get(id);
    return t == null || !t.getString("userId").equals(userId)
        ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no such template", new JsonObject()) : Future.succeededFuture(t);
  }

  @Override
  public Future<JsonObject> getTemplate(String userId, String templateId) {
    return ownedTemplate(userId, templateId).map(JsonObject::copy);
  }

  @Override
  public Future<JsonObject> updateTemplate(String userId, String templateId, JsonObject template) {
    return ownedTemplate(userId, templateId).map(t -> t.mergeIn(template).copy());
  }

  @Override
  public Future<Void> deleteTemplate(String userId, String templateId) {
    return ownedTemplate(userId, templateId).map(t -> {
      templates.remove(templateId);
      return null;
    });
  }

  public List<JsonObject> callsOf(String op) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject c : calls) if (op.equals(c.getString("op"))) out.add(c);
    return out;
  }

  @Override
  public Future<JsonObject> sendIdempotent(String userId, String sessionId, String text, String idempotencyKey) {
    return send(userId, sessionId, text);
  }
}
