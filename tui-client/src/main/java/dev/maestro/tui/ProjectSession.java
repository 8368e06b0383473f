package dev.maestro.tui;

import dev.maestro.tui.client.GatewayClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * {@code tui send --project NAME}: a new session on the project, with the user's first credential and
 * {@code --model} (else the credential's first model); its id is printed on stderr so a script can go on
 * with {@code --session}.
 */
final class ProjectSession {
  private ProjectSession() {}

  static Future<String> orExisting(GatewayClient api, String sessionId, String project, String model) {
    if (sessionId != null) {
      return Future.succeededFuture(sessionId);
    }
    Future<String> projectId = api.listProjects().compose(list -> {
      for (JsonObject p : list) {
        if (project.equals(p.getString("name"))) {
          return Future.succeededFuture(p.getString("id"));
        }
      }
      return Future.failedFuture(new IllegalArgumentException("no project named " + project));
    });
    return projectId.compose(pid -> api.listCredentials().compose(creds -> {
      if (creds.isEmpty()) {
        return Future.failedFuture(new IllegalArgumentException("add a credential first (web UI → Credentials)"));
      }
      JsonObject cred = creds.get(0);
      Future<String> chosen = model != null ? Future.succeededFuture(model)
          : api.listModels(cred.getString("provider"), cred.getString("id")).compose(models -> models.isEmpty()
              ? Future.failedFuture(new IllegalArgumentException("no model listed for " + cred.getString("provider") + ": pass --model"))
              : Future.succeededFuture(models.get(0).getString("id")));
      return chosen.compose(m -> api.createSession(new JsonObject().put("provider", cred.getString("provider")).put("model", m)
          .put("credentialId", cred.getString("id")).put("projectId", pid).put("title", "tui send on " + project)));
    })).map(s -> {
      JsonObject p = s.getJsonObject("project", new JsonObject());
      System.err.println("session " + s.getString("id") + " on " + project + " (branch " + p.getString("branch") + ")");
      return s.getString("id");
    });
  }
}
