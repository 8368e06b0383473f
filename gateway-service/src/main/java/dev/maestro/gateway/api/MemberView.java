package dev.maestro.gateway.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * What a non-admin may see of admin-configured things (issue 13 point 7). MCP server arguments,
 * URL query values and user-info, env and header values, and OAuth clients' extraHeaders often
 * carry keys; for a member they are write-only: shown as {@link #MASK}, keys and names kept so the
 * page still says what is configured. Admins configure these values and see them as stored.
 */
public final class MemberView {
  public static final String MASK = "********";

  private MemberView() {}

  public static JsonObject mcpServer(JsonObject s, boolean admin) {
    if (s == null || admin) return s;
    JsonObject v = s.copy();
    if (v.getValue("args") instanceof JsonArray args) {
      JsonArray masked = new JsonArray();
      for (int i = 0; i < args.size(); i++) masked.add(MASK);
      v.put("args", masked);
    }
    maskValues(v, "env");
    maskValues(v, "headers");
    String url = v.getString("url");
    if (url != null) {
      String masked = url(url);
      v.put("url", masked);
      // A connection error may quote the URL it failed on.
      if (v.getValue("error") instanceof String err && !url.equals(masked)) v.put("error", err.replace(url, masked));
    }
    if (v.getValue("oauthClient") instanceof JsonObject oc) {
      JsonObject c = oc.copy();
      if (c.containsKey("clientSecret")) c.put("clientSecret", MASK);
      v.put("oauthClient", c);
    }
    return v;
  }

  public static JsonObject oauthClient(JsonObject c, boolean admin) {
    if (c == null || admin) return c;
    JsonObject v = c.copy();
    maskValues(v, "extraHeaders");
    return v;
  }

  /** Query values and user-info masked, the rest (scheme, host, path, parameter names) kept. */
  static String url(String url) {
    try {
      URI u = new URI(url);
      String query = u.getRawQuery();
      String userInfo = u.getRawUserInfo();
      String fragment = u.getRawFragment();
      if (query == null && userInfo == null && fragment == null) return url;
      StringBuilder sb = new StringBuilder();
      if (u.getScheme() != null) sb.append(u.getScheme()).append("://");
      if (userInfo != null) sb.append(MASK).append('@');
      if (u.getRawAuthority() != null) {
        String authority = u.getRawAuthority();
        sb.append(userInfo == null ? authority : authority.substring(authority.indexOf('@') + 1));
      }
      if (u.getRawPath() != null) sb.append(u.getRawPath());
      if (query != null) {
        sb.append('?');
        String[] pairs = query.split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
          if (i > 0) sb.append('&');
          int eq = pairs[i].indexOf('=');
          // A bare "?secret" may be the secret itself.
          if (eq < 0) sb.append(MASK);
          else sb.append(pairs[i], 0, eq).append('=').append(MASK);
        }
      }
      if (fragment != null) sb.append('#').append(MASK);
      return sb.toString();
    } catch (URISyntaxException | RuntimeException e) {
      // Not parseable: show nothing of it rather than a secret.
      return MASK;
    }
  }

  private static void maskValues(JsonObject o, String field) {
    if (!(o.getValue(field) instanceof JsonObject map)) return;
    JsonObject masked = new JsonObject();
    for (String k : map.fieldNames()) masked.put(k, MASK);
    o.put(field, masked);
  }
}
