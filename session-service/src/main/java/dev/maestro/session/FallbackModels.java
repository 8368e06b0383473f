package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * {@code params.fallbackModels} of a template or session: {@code [{"model", "provider"?, "credentialId"?}]},
 * tried in order when the session's model answers overloaded / 5xx / 429 before its first delta
 * ({@link RequestGuard}). Checked when stored; a fallback's credential is checked against the user
 * before it is used.
 */
final class FallbackModels {
  static final String KEY = "fallbackModels";
  static final int MAX = 5;
  private static final Pattern PROVIDER = Pattern.compile(dev.maestro.contracts.provider.Providers.PATTERN);

  private FallbackModels() {}

  /** "field: message" of the first problem in params, or null. */
  static String problem(JsonObject params) {
    if (params == null || !params.containsKey(KEY) || params.getValue(KEY) == null) return null;
    if (!(params.getValue(KEY) instanceof JsonArray list) || list.size() > MAX) {
      return "params." + KEY + ": must be a list of at most " + MAX + " {model, provider?, credentialId?}";
    }
    for (int i = 0; i < list.size(); i++) {
      String at = "params." + KEY + "[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject f)) return at + ": must be an object {model, provider?, credentialId?}";
      for (String k : f.fieldNames()) {
        if (!k.equals("model") && !k.equals("provider") && !k.equals("credentialId")) return at + ": unknown field " + k;
      }
      if (!(f.getValue("model") instanceof String m) || m.isBlank() || m.length() > 200) return at + ".model: is required (at most 200 characters)";
      if (f.getValue("provider") != null && !(f.getValue("provider") instanceof String p && PROVIDER.matcher(p).matches())) {
        return at + ".provider: must be one of " + dev.maestro.contracts.provider.Providers.ONE_OF;
      }
      if (f.getValue("credentialId") != null && (!(f.getValue("credentialId") instanceof String c) || Fail.uuidOrNull(c) == null)) {
        return at + ".credentialId: must be a credential id";
      }
    }
    return null;
  }
}
