package dev.maestro.gateway.openai;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.Providers;
import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.regex.Pattern;

/**
 * What an OpenAI {@code model} names, for one user: {@code template:<name>} (one of the caller's agent
 * templates: its provider, model, system prompt, tools and params) or {@code <provider>/<model>} (a plain
 * model, no tools). Either runs on the caller's first usable credential of that provider. Anything else,
 * or nothing to run it with, is a 404 {@code model_not_found}.
 */
record ChatTarget(String provider, String model, String systemPrompt, JsonArray tools, JsonObject params, String credentialId,
                  boolean template) {
  static final String TEMPLATE_PREFIX = "template:";
  private static final Pattern PROVIDER = Pattern.compile(Providers.PATTERN);

  /** A template's params key: "deny" makes tool calls that need approval be denied instead of waiting. */
  static final String APPROVALS_PARAM = "openaiApprovals";

  boolean denyApprovals() {
    return params != null && "deny".equals(params.getString(APPROVALS_PARAM));
  }

  static Future<ChatTarget> resolve(String userId, String name, SessionService sessions, AuthService credentials) {
    if (name.startsWith(TEMPLATE_PREFIX)) {
      String wanted = name.substring(TEMPLATE_PREFIX.length());
      return sessions.listTemplates(userId, new JsonObject().put("limit", 200)).compose(page -> {
        for (Object o : page.getJsonArray("items", new JsonArray())) {
          if (o instanceof JsonObject t && wanted.equals(t.getString("name"))) {
            return withCredential(userId, credentials, t.getString("provider"), t.getString("model"), t.getString("systemPrompt", ""),
                t.getJsonArray("tools"), t.getJsonObject("params", new JsonObject()), true, name);
          }
        }
        return notFound(name, "no agent template named '" + wanted + "'");
      });
    }
    int slash = name.indexOf('/');
    if (slash <= 0 || slash == name.length() - 1 || !PROVIDER.matcher(name.substring(0, slash)).matches()) {
      return notFound(name, "name a model as <provider>/<model> (provider one of " + Providers.ONE_OF + ") or template:<name>");
    }
    return withCredential(userId, credentials, name.substring(0, slash), name.substring(slash + 1), "", new JsonArray(),
        new JsonObject(), false, name);
  }

  private static Future<ChatTarget> withCredential(String userId, AuthService credentials, String provider, String model,
                                                   String system, JsonArray tools, JsonObject params, boolean template, String name) {
    return credentials.listCredentials(userId).compose(list -> {
      for (JsonObject c : list) {
        String status = c.getString("status", "active");
        if (provider.equals(c.getString("provider")) && ("active".equals(status) || "refreshing".equals(status))) {
          return Future.succeededFuture(new ChatTarget(provider, model, system, tools, params, c.getString("id"), template));
        }
      }
      return notFound(name, "you have no usable " + provider + " credential for model '" + name + "'");
    });
  }

  private static <T> Future<T> notFound(String name, String why) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "The model '" + name + "' does not exist or you do not have access to it: " + why,
        new JsonObject().put("code", "model_not_found"));
  }
}
