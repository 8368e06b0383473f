package dev.maestro.session;

import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.session.subagent.SubagentStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The SessionService contract. Stored data (CRUD, fork, export/import, search, templates) is
 * answered from PostgreSQL by any node; live operations (send, cancel, approve, elicitations, events, compact)
 * go through {@link SessionRouter} to the session's one owner. Every call first checks that the
 * session belongs to userId.
 */
public class SessionServiceImpl implements SessionService {
  static final int MAX_TEXT = 1 << 20;
  static final Set<String> ROLES = Set.of(Messages.USER, Messages.ASSISTANT, Messages.TOOL, Messages.SUMMARY);
  static final Set<String> STATUSES = Set.of("complete", "streaming", "interrupted", "error", "cancelled");

  private final SessionStore store;
  private final SessionRouter router;
  private final CredentialCheck credentials;
  /** Issue 16: the session's plan/build mode (null: not configured, mode fields are then refused). */
  private RuntimeStore runtime;

  public SessionServiceImpl(SessionStore store, SessionRouter router, CredentialCheck credentials) {
    this.store = store;
    this.router = router;
    this.credentials = credentials;
  }

  /** tool-service's projects: the worktrees of sub-agents that had their own go with their parent. */
  SessionServiceImpl worktrees(dev.maestro.contracts.project.ProjectService projects) {
    this.projects = projects;
    return this;
  }

  private dev.maestro.contracts.project.ProjectService projects;

  SessionServiceImpl runtime(RuntimeStore runtime) {
    this.runtime = runtime;
    return this;
  }

  // ------------------------------------------------------------------ sessions

  @Override
  public Future<JsonObject> create(String userId, JsonObject spec) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (spec == null) spec = new JsonObject();
    JsonObject s = spec;
    if (s.getValue("params") != null && !(s.getValue("params") instanceof JsonObject)) return Fail.invalid("params", "must be an object");
    Future<JsonObject> base = blank(s.getString("templateId")) ? Future.succeededFuture(new JsonObject())
        : store.template(userId, s.getString("templateId"));
    return base.compose(t -> {
      // a template supplies defaults; what the request names wins
      JsonObject merged = new JsonObject()
          .put("title", s.getString("title", t.getString("name", "")))
          .put("provider", s.getString("provider", t.getString("provider")))
          .put("model", s.getString("model", t.getString("model")))
          .put("credentialId", s.getString("credentialId"))
          .put("templateId", t.getString("id"))
          .put("systemPrompt", s.getString("systemPrompt", t.getString("systemPrompt", "")))
          .put("tools", s.containsKey("tools") ? s.getValue("tools") : t.getJsonArray("tools"))
          .put("params", t.getJsonObject("params", new JsonObject()).copy().mergeIn(obj(s, "params")));
      String budgetProblem = SessionBudget.problem(s.getValue(SessionBudget.KEY));
      if (budgetProblem != null) return Fail.invalid(SessionBudget.KEY, budgetProblem.substring(SessionBudget.KEY.length() + 2));
      SessionBudget.onCreate(s, merged);
      String problem = validateSession(merged, true);
      if (problem != null) return Fail.invalid(problem.substring(0, problem.indexOf(':')), problem.substring(problem.indexOf(':') + 2));
      // a session starts in plan mode when the request or its template (params.mode) says so
      String mode = s.getValue("mode") != null ? String.valueOf(s.getValue("mode")) : merged.getJsonObject("params").getString("mode");
      if (mode != null && !SessionModes.ALL.contains(mode)) return Fail.invalid("mode", "must be plan or build");
      return credentials.owned(userId, merged.getString("credentialId"))
          .compose(v -> store.insertSession(userId, merged))
          .compose(created -> mode == null || runtime == null ? Future.succeededFuture(created)
              : runtime.setMode(userId, created.getString("id"), mode).map(v -> created.put("mode", mode)))
          .map(SessionServiceImpl::publicSession);
    });
  }

  @Override
  public Future<JsonObject> list(String userId, JsonObject query) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    JsonObject q = query == null ? new JsonObject() : query;
    Integer limit = limit(q);
    if (limit == null) return Fail.invalid("limit", "must be a number from 1 to 200");
    return store.list(userId, q.getString("q"), limit, q.getString("cursor"));
  }

  @Override
  public Future<JsonObject> get(String userId, String sessionId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    // activeTurnId: a turn in flight; its streamed content so far is in events(afterSeq)
    return store.session(userId, sessionId).compose(s -> store.runningTurn(sessionId)
        .compose(turnId -> store.messages(sessionId).map(msgs -> {
          JsonArray items = new JsonArray();
          msgs.forEach(m -> items.add(publicMessage(m)));
          return publicSession(s).put("activeTurnId", turnId).put("messages", items);
        })).compose(full -> new SubagentStore(store.pool()).family(sessionId).map(full::mergeIn)));
  }

  @Override
  public Future<Void> checkAccess(String userId, String sessionId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return store.owned(userId, sessionId);
  }

  @Override
  public Future<JsonObject> update(String userId, String sessionId, JsonObject patch) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (patch == null) patch = new JsonObject();
    JsonObject p = new JsonObject();
    for (String k : List.of("title", "model", "provider", "credentialId", "tools", "systemPrompt", "params")) {
      if (patch.containsKey(k)) p.put(k, patch.getValue(k));
    }
    String problem = validateSession(p, false);
    if (problem == null) problem = SessionBudget.problem(patch.getValue(SessionBudget.KEY));
    if (problem != null) return Fail.invalid(problem.substring(0, problem.indexOf(':')), problem.substring(problem.indexOf(':') + 2));
    Object mode = patch.getValue("mode");
    if (patch.containsKey("mode") && (!SessionModes.ALL.contains(mode) || runtime == null)) return Fail.invalid("mode", "must be plan or build");
    if (mode != null) {
      // the mode is stored first, so the answer (re-read by the update) shows it; the turn loop reads it before each round
      JsonObject rest = patch.copy();
      rest.remove("mode");
      return runtime.setMode(userId, sessionId, (String) mode).compose(v -> update(userId, sessionId, rest));
    }
    if (patch.containsKey(SessionBudget.KEY)) {
      // budgetUsd lives in params: the stored params (or the patch's) with the new value
      JsonObject budgetPatch = patch;
      return store.session(userId, sessionId).compose(s -> {
        p.put("params", SessionBudget.patchedParams(budgetPatch, s));
        return update(userId, sessionId, p);
      });
    }
    // the session is looked up first, so another user's session answers NOT_FOUND before any credential is checked
    Future<Void> checked = !p.containsKey("credentialId") ? Future.succeededFuture()
        : store.session(userId, sessionId).compose(s -> credentials.owned(userId, p.getString("credentialId")));
    return checked.compose(v -> store.updateSession(userId, sessionId, p)).compose(this::toLiveOwner).map(SessionServiceImpl::publicSession);
  }

  @Override
  public Future<Void> delete(String userId, String sessionId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    // a live owner stops its turn and lets go before the rows disappear
    return store.session(userId, sessionId)
        .compose(s -> router.currentOwner(sessionId))
        .compose(owner -> owner == null ? Future.succeededFuture()
            : router.call(sessionId, new LiveCommand.Evict()).<Void>mapEmpty().recover(e -> Future.succeededFuture()))
        .compose(v -> ownWorktreeChildren(sessionId))
        .compose(children -> store.deleteSession(userId, sessionId).onSuccess(v -> closeWorktrees(sessionId, children)));
  }

  /**
   * The sub-agents below sessionId that had their own worktree: the rows go with the parent (ON DELETE CASCADE),
   * so their worktrees are removed here (the gateway removes only the deleted session's own).
   */
  private Future<List<String>> ownWorktreeChildren(String sessionId) {
    return projects == null ? Future.succeededFuture(List.of()) : new SubagentStore(store.pool()).ownWorkspaceDescendants(sessionId);
  }

  private void closeWorktrees(String sessionId, List<String> children) {
    for (String child : children) {
      projects.closeSession(child).onFailure(err -> org.slf4j.LoggerFactory.getLogger(SessionServiceImpl.class)
          .warn("session {}: the worktree of its sub-agent {} was not removed: {}", sessionId, child, err.getMessage()));
    }
  }

  @Override
  public Future<JsonObject> fork(String userId, String sessionId, String atMessageId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return store.session(userId, sessionId).compose(s -> store.messages(sessionId).compose(msgs -> {
      int end = msgs.size();
      if (!blank(atMessageId)) {
        end = -1;
        for (int i = 0; i < msgs.size(); i++) {
          if (msgs.get(i).getString("id").equals(atMessageId)) end = i + 1;
        }
        if (end < 0) return Fail.notFound("message " + atMessageId + " in session " + sessionId);
      }
      String title = s.getString("title", "").isEmpty() ? "Fork" : s.getString("title") + " (fork)";
      List<JsonObject> copied = msgs.subList(0, end);
      // a credential that is not (or no longer) the user's is not carried into the copy
      return credentials.stillOwned(userId, s.getString("credentialId")).compose(keep ->
          store.copySession(userId, keep ? s : s.copy().putNull("credentialId"), copied, title));
    })).compose(copy -> get(userId, copy.getString("id")));
  }

  // ------------------------------------------------------------------ live operations

  @Override
  public Future<JsonObject> send(String userId, String sessionId, String text) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (text == null || text.isBlank()) return Fail.invalid("text", "must not be empty");
    if (text.length() > MAX_TEXT) return Fail.invalid("text", "is longer than " + MAX_TEXT + " characters");
    return live(userId, sessionId, new LiveCommand.Send(text));
  }

  @Override
  public Future<JsonObject> sendWithAttachments(String userId, String sessionId, String text, io.vertx.core.json.JsonArray attachments) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (text == null || text.isBlank()) return Fail.invalid("text", "must not be empty");
    if (text.length() > MAX_TEXT) return Fail.invalid("text", "is longer than " + MAX_TEXT + " characters");
    String problem = Attachments.check(attachments);
    if (problem != null) return Fail.invalid("attachments", problem);
    return live(userId, sessionId, new LiveCommand.Send(text, attachments == null ? new io.vertx.core.json.JsonArray() : attachments.copy()));
  }

  @Override
  public Future<Void> cancel(String userId, String sessionId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return live(userId, sessionId, new LiveCommand.Cancel()).mapEmpty();
  }

  @Override
  public Future<Void> compact(String userId, String sessionId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return live(userId, sessionId, new LiveCommand.Compact()).mapEmpty();
  }

  @Override
  public Future<Void> approve(String userId, String sessionId, String callId, String decision) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (blank(callId)) return Fail.invalid("callId", "is required");
    if (!"allow".equals(decision) && !"deny".equals(decision)) return Fail.invalid("decision", "must be allow or deny");
    return live(userId, sessionId, new LiveCommand.Approve(callId, decision)).mapEmpty();
  }

  /**
   * From tool-service: held by the session's owner until the user answers, the elicitation times out
   * or the turn ends (a little longer here, so the owner's own timeout answers first).
   */
  @Override
  public Future<JsonObject> requestElicitation(String sessionId, JsonObject request) {
    if (Fail.uuidOrNull(sessionId) == null) return Fail.notFound("session " + sessionId);
    if (request == null || blank(request.getString("callId"))) return Fail.invalid("callId", "is required");
    if (!(request.getValue("schema") instanceof JsonObject)) return Fail.invalid("schema", "must be an object");
    return router.call(sessionId, new LiveCommand.Elicit(request), router.elicitationTimeoutMs() + 5_000);
  }

  @Override
  public Future<Void> answerElicitation(String userId, String sessionId, String elicitationId, String action, JsonObject content) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (blank(elicitationId)) return Fail.invalid("elicitationId", "is required");
    if (!ElicitationForm.isAction(action)) return Fail.invalid("action", "must be accept, decline or cancel");
    return live(userId, sessionId, new LiveCommand.AnswerElicitation(elicitationId, action, content)).mapEmpty();
  }

  @Override
  public Future<JsonObject> events(String userId, String sessionId, long afterSeq) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return live(userId, sessionId, new LiveCommand.Events(afterSeq));
  }

  /** Live state of a session: {lastSeq, turnId, owner, heldEvents} (activates it when needed). */
  public Future<JsonObject> state(String userId, String sessionId) {
    return live(userId, sessionId, new LiveCommand.State());
  }

  /**
   * Issue 14: a live session answers from the row it keeps whether userId may use it (no SELECT per
   * command); only a session without a live owner is looked up first (before the router claims it), so
   * nobody activates another user's session. A live owner known to this node's owner cache costs no
   * owner-map read either.
   */
  private Future<JsonObject> live(String userId, String sessionId, LiveCommand command) {
    UUID id = Fail.uuidOrNull(sessionId);
    if (id == null) return Fail.notFound("session " + sessionId);
    String canonical = id.toString();
    LiveCommand asUser = new LiveCommand.AsUser(userId, command);
    return router.call(canonical, asUser, () -> store.session(userId, canonical));
  }

  /** Hands the edited row to the session's live owner, if it has one (best effort: logged when it cannot). */
  private Future<JsonObject> toLiveOwner(JsonObject row) {
    String sessionId = row.getString("id");
    return router.currentOwner(sessionId)
        .compose(owner -> owner == null ? Future.succeededFuture() : router.call(sessionId, new LiveCommand.SessionChanged(row)))
        .transform(ar -> {
          if (ar.failed()) {
            org.slf4j.LoggerFactory.getLogger(SessionServiceImpl.class)
                .warn("session {}: its live owner did not take the edit: {}", sessionId, ar.cause().getMessage());
          }
          return Future.succeededFuture(row);
        });
  }

  // ------------------------------------------------------------------ export / import

  @Override
  public Future<JsonObject> export(String userId, String sessionId, String format) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    String f = format == null ? "json" : format;
    if (!f.equals("json") && !f.equals("markdown")) return Fail.invalid("format", "must be json or markdown");
    return get(userId, sessionId).map(s -> f.equals("json")
        ? new JsonObject().put("contentType", "application/json").put("body", Exports.json(s).encodePrettily())
            .put("filename", Exports.filename(s, "json"))
        : new JsonObject().put("contentType", "text/markdown; charset=utf-8").put("body", Exports.markdown(s))
            .put("filename", Exports.filename(s, "md")));
  }

  @Override
  public Future<JsonObject> importSession(String userId, JsonObject export) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (export == null) return Fail.invalid("body", "the JSON export of a session is required");
    if (!Exports.FORMAT.equals(export.getString("format"))) return Fail.invalid("format", "must be " + Exports.FORMAT);
    JsonObject s = export.getValue("session") instanceof JsonObject o ? o : null;
    if (s == null) return Fail.invalid("session", "is required");
    JsonObject spec = new JsonObject().put("title", s.getString("title", "")).put("provider", s.getValue("provider"))
        .put("model", s.getValue("model")).put("systemPrompt", s.getValue("systemPrompt", ""))
        .put("tools", s.getValue("tools")).put("params", s.getValue("params", new JsonObject()));
    String problem = validateSession(spec, true);
    if (problem != null) return Fail.invalid("session." + problem.substring(0, problem.indexOf(':')), problem.substring(problem.indexOf(':') + 2));
    if (!(export.getValue("messages") instanceof JsonArray msgs)) return Fail.invalid("messages", "must be an array");
    List<JsonObject> list = new java.util.ArrayList<>();
    for (int i = 0; i < msgs.size(); i++) {
      if (!(msgs.getValue(i) instanceof JsonObject m)) return Fail.invalid("messages[" + i + "]", "must be an object");
      if (!ROLES.contains(m.getString("role"))) return Fail.invalid("messages[" + i + "].role", "must be one of " + ROLES);
      if (!(m.getValue("content") instanceof JsonArray content)) return Fail.invalid("messages[" + i + "].content", "must be an array of parts");
      for (Object part : content) {
        if (!(part instanceof JsonObject p) || blank(p.getString("type"))) {
          return Fail.invalid("messages[" + i + "].content", "every part needs a type");
        }
      }
      String status = m.getString("status", "complete");
      if (!STATUSES.contains(status)) return Fail.invalid("messages[" + i + "].status", "must be one of " + STATUSES);
      if (m.getValue("usage") != null && !(m.getValue("usage") instanceof JsonObject)) {
        return Fail.invalid("messages[" + i + "].usage", "must be an object");
      }
      try {
        if (m.getString("createdAt") != null) java.time.OffsetDateTime.parse(m.getString("createdAt"));
      } catch (RuntimeException e) {
        return Fail.invalid("messages[" + i + "].createdAt", "must be an RFC 3339 timestamp");
      }
      list.add(m);
    }
    return store.insertWithMessages(userId, spec, list).compose(created -> get(userId, created.getString("id")));
  }

  // ------------------------------------------------------------------ templates

  @Override
  public Future<JsonObject> createTemplate(String userId, JsonObject template) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    String problem = validateTemplate(template);
    if (problem != null) return Fail.invalid(problem.substring(0, problem.indexOf(':')), problem.substring(problem.indexOf(':') + 2));
    return store.insertTemplate(userId, template);
  }

  @Override
  public Future<JsonObject> listTemplates(String userId, JsonObject query) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    JsonObject q = query == null ? new JsonObject() : query;
    Integer limit = limit(q);
    if (limit == null) return Fail.invalid("limit", "must be a number from 1 to 200");
    return store.listTemplates(userId, limit, q.getString("cursor"));
  }

  @Override
  public Future<JsonObject> getTemplate(String userId, String templateId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return store.template(userId, templateId);
  }

  @Override
  public Future<JsonObject> updateTemplate(String userId, String templateId, JsonObject template) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    String problem = validateTemplate(template);
    if (problem != null) return Fail.invalid(problem.substring(0, problem.indexOf(':')), problem.substring(problem.indexOf(':') + 2));
    return store.replaceTemplate(userId, templateId, template);
  }

  @Override
  public Future<Void> deleteTemplate(String userId, String templateId) {
    if (blank(userId)) return Fail.invalid("userId", "is required");
    return store.deleteTemplate(userId, templateId);
  }

  // ------------------------------------------------------------------ shapes and validation

  static JsonObject publicSession(JsonObject s) {
    JsonObject copy = s.copy();
    copy.remove("userId");
    copy.remove("seqCeiling");
    copy.put("openIn", new JsonArray());
    return SessionBudget.expose(copy);
  }

  static JsonObject publicMessage(JsonObject m) {
    JsonObject copy = m.copy();
    copy.remove("ordinal");
    return copy;
  }

  /** "field: message" of the first problem, or null. */
  static String validateSession(JsonObject s, boolean full) {
    if (full || s.containsKey("provider")) {
      if (!(s.getValue("provider") instanceof String p) || p.isBlank()) return "provider: is required";
      if (p.length() > 64) return "provider: is too long";
    }
    if (full || s.containsKey("model")) {
      if (!(s.getValue("model") instanceof String m) || m.isBlank()) return "model: is required";
      if (m.length() > 200) return "model: is too long";
    }
    if (s.containsKey("title") && s.getValue("title") != null) {
      if (!(s.getValue("title") instanceof String t)) return "title: must be a string";
      if (t.length() > 500) return "title: is longer than 500 characters";
    }
    if (s.getValue("credentialId") != null && !(s.getValue("credentialId") instanceof String)) return "credentialId: must be a string";
    if (s.getValue("systemPrompt") != null && !(s.getValue("systemPrompt") instanceof String)) return "systemPrompt: must be a string";
    if (s.getValue("tools") != null) {
      if (!(s.getValue("tools") instanceof JsonArray tools)) return "tools: must be an array of tool names";
      for (Object t : tools) if (!(t instanceof String name) || name.isBlank()) return "tools: must be an array of tool names";
    }
    if (s.getValue("params") != null && !(s.getValue("params") instanceof JsonObject)) return "params: must be an object";
    if (s.getValue("params") instanceof JsonObject params) {
      if (params.getValue("maxTokens") != null && !(params.getValue("maxTokens") instanceof Number)) return "params.maxTokens: must be a number";
      if (params.getValue("temperature") != null && !(params.getValue("temperature") instanceof Number)) return "params.temperature: must be a number";
      if (params.getValue("maxToolRounds") != null && !(params.getValue("maxToolRounds") instanceof Number)) return "params.maxToolRounds: must be a number";
      if (FallbackModels.problem(params) != null) return FallbackModels.problem(params);
    }
    return null;
  }

  static String validateTemplate(JsonObject t) {
    if (t == null) return "body: a template is required";
    if (!(t.getValue("name") instanceof String n) || n.isBlank()) return "name: is required";
    if (n.length() > 200) return "name: is longer than 200 characters";
    if (t.getValue("description") != null && !(t.getValue("description") instanceof String)) return "description: must be a string";
    JsonObject asSession = new JsonObject().put("provider", t.getValue("provider")).put("model", t.getValue("model"))
        .put("systemPrompt", t.getValue("systemPrompt")).put("tools", t.getValue("tools")).put("params", t.getValue("params"));
    return validateSession(asSession, true);
  }

  private static Integer limit(JsonObject q) {
    Object v = q.getValue("limit");
    if (v == null) return 50;
    try {
      int n = v instanceof Number num ? num.intValue() : Integer.parseInt(String.valueOf(v));
      return n < 1 || n > 200 ? null : n;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static JsonObject obj(JsonObject o, String key) {
    return o.getValue(key) instanceof JsonObject j ? j : new JsonObject();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  @Override
  public Future<JsonObject> sendIdempotent(String userId, String sessionId, String text, String idempotencyKey) {
    if (idempotencyKey == null || idempotencyKey.isBlank()) return Fail.invalid("idempotencyKey", "must not be empty");
    if (idempotencyKey.length() > SendKeys.MAX_KEY) {
      return Fail.invalid("idempotencyKey", "is longer than " + SendKeys.MAX_KEY + " characters");
    }
    if (blank(userId)) return Fail.invalid("userId", "is required");
    if (text == null || text.isBlank()) return Fail.invalid("text", "must not be empty");
    if (text.length() > MAX_TEXT) return Fail.invalid("text", "is longer than " + MAX_TEXT + " characters");
    return live(userId, sessionId, new LiveCommand.Send(text, idempotencyKey));
  }
}
