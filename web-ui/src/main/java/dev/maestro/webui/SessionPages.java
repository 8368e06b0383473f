package dev.maestro.webui;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * /sessions (list, search, create, rename, delete, export) and /sessions/{id} (the chat), each a
 * rendering of gateway operations.
 */
final class SessionPages {
  private final WebUiGateway gateway;
  private final PageRenderer pages;
  private ProjectPages projects;

  SessionPages(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  /** Projects add a picker to the new-session form and a Changes panel to a project session's chat. */
  void projects(ProjectPages projects) {
    this.projects = projects;
  }

  private static Map<String, String> id(RoutingContext rc) {
    return Map.of("id", rc.pathParam("id"));
  }

  private static Map<String, String> id(String id) {
    return Map.of("id", id);
  }

  void list(RoutingContext rc) {
    String q = rc.queryParams().get("q");
    Map<String, String> query = new HashMap<>();
    query.put("limit", "100");
    if (q != null && !q.isBlank()) query.put("q", q.trim());
    Future<JsonObject> list = gateway.call(rc, "listSessions", Map.of(), query, null);
    Future<List<JsonObject>> creds = items(gateway.call(rc, "listCredentials")).recover(e -> Future.succeededFuture(List.of()));
    Future<JsonObject> templates = gateway.call(rc, "listTemplates").recover(e -> Future.succeededFuture(new JsonObject()));
    Future<JsonArray> projectChoices = projects.picker(rc);
    Future.all(list, creds, templates, projectChoices).onSuccess(cf -> {
      JsonArray items = new JsonArray();
      for (Object o : list.result().getJsonArray("items", new JsonArray())) {
        JsonObject s = ((JsonObject) o).copy();
        JsonArray openIn = s.getJsonArray("openIn", new JsonArray());
        if (!openIn.isEmpty()) s.put("openInText", String.join(", ", openIn.stream().map(String::valueOf).toList()));
        if (s.getString("title") == null || s.getString("title").isBlank()) s.put("title", "Untitled session");
        s.put("updatedLabel", Pages.timeLabel(s.getString("updatedAt")));
        items.add(s);
      }
      JsonArray credentials = new JsonArray();
      creds.result().forEach(c -> credentials.add(c.copy().put("usable", !"invalid".equals(c.getString("status")))));
      pages.render(rc, 200, "sessions", "Sessions", new JsonObject()
          .put("sessions", items)
          .put("q", q)
          .put("credentials", credentials)
          .put("hasCredentials", !credentials.isEmpty())
          .put("templates", templates.result().getJsonArray("items", new JsonArray()))
          .put("projects", projectChoices.result()));
    }).onFailure(err -> pages.error(rc, err));
  }

  /** New session: provider from the chosen credential, or from the template. */
  void create(RoutingContext rc) {
    String credentialId = Forms.field(rc, "credentialId");
    String templateId = Forms.field(rc, "templateId");
    JsonObject spec = new JsonObject();
    put(spec, "title", Forms.field(rc, "title"));
    put(spec, "model", Forms.field(rc, "model"));
    put(spec, "credentialId", credentialId);
    put(spec, "templateId", templateId);
    put(spec, "systemPrompt", Forms.field(rc, "systemPrompt"));
    put(spec, "projectId", Forms.field(rc, "projectId"));
    if (spec.containsKey("projectId")) put(spec, "baseRef", Forms.field(rc, "baseRef"));
    // optional budget in USD: a number goes as a number; anything else goes as typed, so session-service's
    // documented 400 ("budgetUsd: must be a number of USD …") comes back as the form's error
    String budget = Forms.field(rc, "budgetUsd");
    if (budget != null) spec.put("budgetUsd", budgetValue(budget));
    Future<JsonObject> fromCredential = credentialId == null ? Future.succeededFuture(null)
        : gateway.call(rc, "getCredential", id(credentialId), null);
    Future<JsonObject> fromTemplate = templateId == null ? Future.succeededFuture(null) : gateway.call(rc, "getTemplate", id(templateId), null);
    Future.all(fromCredential, fromTemplate).compose(cf -> {
      JsonObject cred = fromCredential.result();
      JsonObject tpl = fromTemplate.result();
      if (cred != null) spec.put("provider", cred.getString("provider"));
      else if (tpl != null) put(spec, "provider", tpl.getString("provider"));
      if (!spec.containsKey("model") && tpl != null) put(spec, "model", tpl.getString("model"));
      return gateway.call(rc, "createSession", Map.of(), spec);
    }).onSuccess(s -> PageRenderer.redirect(rc, "/sessions/" + s.getString("id")))
        .onFailure(err -> back(rc, "/sessions", err));
  }

  private static Object budgetValue(String typed) {
    try {
      return Double.parseDouble(typed.startsWith("$") ? typed.substring(1) : typed);
    } catch (NumberFormatException e) {
      return typed;
    }
  }

  /** "$2.50" for a session's budgetUsd, null when it has none. */
  static String budgetLabel(JsonObject session) {
    Object v = session.getValue("budgetUsd");
    return v instanceof Number n ? String.format(java.util.Locale.ROOT, "$%.2f", n.doubleValue()) : null;
  }

  void rename(RoutingContext rc) {
    String title = Forms.field(rc, "title");
    if (title == null) {
      PageRenderer.flash(rc, "error", "A title cannot be empty.");
      PageRenderer.redirect(rc, returnTo(rc, "/sessions"));
      return;
    }
    gateway.call(rc, "updateSession", id(rc), new JsonObject().put("title", title))
        .onSuccess(s -> { PageRenderer.flash(rc, "ok", "Renamed to “" + title + "”."); PageRenderer.redirect(rc, returnTo(rc, "/sessions")); })
        .onFailure(err -> back(rc, returnTo(rc, "/sessions"), err));
  }

  void delete(RoutingContext rc) {
    gateway.call(rc, "deleteSession", id(rc), null)
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "Session deleted."); PageRenderer.redirect(rc, "/sessions"); })
        .onFailure(err -> back(rc, "/sessions", err));
  }

  void export(RoutingContext rc) {
    String format = "json".equals(rc.queryParams().get("format")) ? "json" : "markdown";
    gateway.call(rc, "exportSession", id(rc), Map.of("format", format), null).onSuccess(ex -> {
      String type = ex.getString("contentType", "json".equals(format) ? "application/json" : "text/markdown");
      if (type.contains(";")) type = type.substring(0, type.indexOf(';')).trim();
      String text = ex.getString("text");
      if (text == null) text = ex.encodePrettily();
      else if ("json".equals(format)) text = prettyJson(text);
      rc.response().putHeader("Content-Type", type + "; charset=utf-8")
          .putHeader("Content-Disposition", "attachment; filename=\"session-" + rc.pathParam("id") + ("json".equals(format) ? ".json" : ".md") + "\"")
          .putHeader("X-Content-Type-Options", "nosniff")
          .end(text);
    }).onFailure(err -> pages.error(rc, err));
  }

  void chat(RoutingContext rc) {
    gateway.call(rc, "getSession", id(rc), null).compose(session -> {
      Map<String, String> mq = new HashMap<>();
      if (session.getString("provider") != null) mq.put("provider", session.getString("provider"));
      if (session.getString("credentialId") != null) mq.put("credentialId", session.getString("credentialId"));
      Future<List<JsonObject>> models = items(gateway.call(rc, "listModels", Map.of(), mq, null))
          .recover(e -> Future.succeededFuture(List.of()));
      Future<JsonObject> changes = session.getJsonObject("project") == null ? Future.succeededFuture(null)
          : projects.panel(rc, session.getString("id")).recover(e -> Future.succeededFuture(null));
      return Future.all(models, changes).map(cf -> models.result()).map(m -> {
        JsonObject view = ChatView.of(session);
        JsonObject data = new JsonObject()
            .put("session", session.copy().put("title", blank(session.getString("title")) ? "Untitled session" : session.getString("title")))
            .put("messages", view.getJsonArray("messages"))
            .put("totals", view.getJsonObject("totals"))
            .put("streaming", view.getBoolean("streaming"))
            // Mid-turn, replay every held event so the message in flight (and any pending
            // approval) is rebuilt; the script skips messages already rendered as complete.
            .put("afterSeq", view.getBoolean("streaming") ? Long.valueOf(0) : afterSeq(session))
            .put("models", new JsonArray(m))
            .put("planMode", "plan".equals(session.getString("mode")))
            .put("budgetLabel", budgetLabel(session));
        if (changes.result() != null) data.put("changes", changes.result());
        JsonArray openIn = session.getJsonArray("openIn");
        if (openIn != null && !openIn.isEmpty()) data.put("openInText", String.join(", ", openIn.stream().map(String::valueOf).toList()));
        return data;
      });
    }).onSuccess(data -> pages.render(rc, 200, "chat", data.getJsonObject("session").getString("title"), data))
        .onFailure(err -> pages.error(rc, err));
  }

  /** One stored message rendered server-side (the chat script swaps it in when a message completes). */
  void messageFragment(RoutingContext rc) {
    String messageId = rc.pathParam("messageId");
    gateway.call(rc, "getSession", id(rc), null).onSuccess(session -> {
      Map<String, JsonObject> results = new HashMap<>();
      JsonObject found = null;
      for (Object o : session.getJsonArray("messages", new JsonArray())) {
        JsonObject m = (JsonObject) o;
        if (messageId.equals(m.getString("id"))) found = m;
        Object c = m.getValue("content");
        if (c instanceof JsonArray parts) {
          for (Object p : parts) {
            JsonObject part = (JsonObject) p;
            if ("tool_result".equals(part.getString("type"))) results.put(part.getString("callId"), part);
          }
        }
      }
      if (found == null) {
        rc.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8").end("no such message");
        return;
      }
      pages.render(rc, 200, "message", "Message", new JsonObject()
          .put("m", ChatView.message(found, results)).put("session", session));
    }).onFailure(err -> plain(rc, err));
  }

  /** Without JavaScript the chat still works: post, then reload to see the reply. */
  void send(RoutingContext rc) {
    String id = rc.pathParam("id");
    String text = rc.request().getFormAttribute("text");
    if (text == null || text.isBlank()) {
      PageRenderer.flash(rc, "error", "Type a message first.");
      PageRenderer.redirect(rc, "/sessions/" + id);
      return;
    }
    // The operation sendMessage: the send rate limit applies to the form as to the API.
    gateway.call(rc, "sendMessage", id(id), new JsonObject().put("text", text)).onSuccess(r -> PageRenderer.redirect(rc, "/sessions/" + id))
        .onFailure(err -> back(rc, "/sessions/" + id, err));
  }

  void cancel(RoutingContext rc) {
    String id = rc.pathParam("id");
    gateway.call(rc, "cancelTurn", id(id), null).onSuccess(r -> PageRenderer.redirect(rc, "/sessions/" + id))
        .onFailure(err -> back(rc, "/sessions/" + id, err));
  }

  void compact(RoutingContext rc) {
    String id = rc.pathParam("id");
    gateway.call(rc, "compactSession", id(id), null)
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "Compacting the conversation: older messages are being summarised."); PageRenderer.redirect(rc, "/sessions/" + id); })
        .onFailure(err -> back(rc, "/sessions/" + id, err));
  }

  void switchModel(RoutingContext rc) {
    String id = rc.pathParam("id");
    String model = Forms.field(rc, "model");
    if (model == null) {
      PageRenderer.flash(rc, "error", "Choose a model.");
      PageRenderer.redirect(rc, "/sessions/" + id);
      return;
    }
    gateway.call(rc, "updateSession", id(id), new JsonObject().put("model", model))
        .onSuccess(s -> { PageRenderer.flash(rc, "ok", "Model switched to " + model + "."); PageRenderer.redirect(rc, "/sessions/" + id); })
        .onFailure(err -> back(rc, "/sessions/" + id, err));
  }

  void fork(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject fork = new JsonObject();
    put(fork, "atMessageId", Forms.field(rc, "atMessageId"));
    gateway.call(rc, "forkSession", id(id), fork)
        .onSuccess(s -> { PageRenderer.flash(rc, "ok", "Forked into a new session."); PageRenderer.redirect(rc, "/sessions/" + s.getString("id")); })
        .onFailure(err -> back(rc, "/sessions/" + id, err));
  }

  /** Model choices for the new-session form, as {@code <option>}s for the chosen credential. */
  void modelOptions(RoutingContext rc) {
    String credentialId = rc.queryParams().get("credentialId");
    if (credentialId == null || credentialId.isBlank()) {
      rc.response().putHeader("Content-Type", "text/html; charset=utf-8").end("");
      return;
    }
    gateway.call(rc, "getCredential", id(credentialId.trim()), null)
        .compose(c -> items(gateway.call(rc, "listModels", Map.of(), Map.of("provider", c.getString("provider", ""),
            "credentialId", credentialId.trim()), null)))
        .onSuccess(models -> pages.render(rc, 200, "model-options", "Models", new JsonObject().put("models", new JsonArray(models))))
        .onFailure(err -> plain(rc, err));
  }

  /**
   * Where the WebSocket subscription resumes: the session's last seq when it reports one, else
   * null (the script then subscribes without afterSeq and gets live events only: the page
   * already shows everything stored).
   */
  static Long afterSeq(JsonObject session) {
    for (String k : new String[] {"lastSeq", "seq"}) {
      if (session.getValue(k) instanceof Number n) return n.longValue();
    }
    return null;
  }

  private void back(RoutingContext rc, String to, Throwable err) {
    int status = OperationFailed.status(err);
    if ((status == 404 && to.startsWith("/sessions/")) || status == 401 || status == 403) {
      pages.error(rc, err);
      return;
    }
    PageRenderer.flash(rc, "error", OperationFailed.message(err));
    PageRenderer.redirect(rc, to);
  }

  private static String returnTo(RoutingContext rc, String fallback) {
    String r = rc.request().getFormAttribute("returnTo");
    // Only local paths, so the field cannot send the browser elsewhere.
    return r != null && r.startsWith("/") && !r.startsWith("//") && !r.contains("\\") ? r : fallback;
  }

  /** A fragment's failure as plain text with the gateway's status. */
  private static void plain(RoutingContext rc, Throwable err) {
    rc.response().setStatusCode(OperationFailed.status(err)).putHeader("Content-Type", "text/plain; charset=utf-8")
        .putHeader("Cache-Control", "no-store").end(OperationFailed.message(err));
  }

  /** {items:[...]} → the items. */
  static Future<List<JsonObject>> items(Future<JsonObject> page) {
    return page.map(p -> {
      List<JsonObject> out = new ArrayList<>();
      for (Object o : p.getJsonArray("items", new JsonArray())) if (o instanceof JsonObject j) out.add(j);
      return out;
    });
  }

  private static String prettyJson(String text) {
    try {
      Object v = io.vertx.core.json.Json.decodeValue(text);
      return v instanceof JsonObject j ? j.encodePrettily() : v instanceof JsonArray a ? a.encodePrettily() : text;
    } catch (RuntimeException e) {
      return text;
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static void put(JsonObject o, String k, String v) {
    if (v != null) o.put(k, v);
  }
}
