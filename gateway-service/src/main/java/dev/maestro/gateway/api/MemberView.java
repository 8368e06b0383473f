package dev.maestro.gateway.api;

import dev.maestro.gateway.auth.Principal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a member (not an admin) may read of shared configuration. MCP server arguments, URL query
 * strings and user-info, env and header values, and OAuth clients' extra headers and parameters are
 * where admins put tokens; for members they are write-only: shown as {@link #MASK}, with their
 * names and count kept so the page still says what is configured.
 */
public final class MemberView {
  public static final String MASK = "********";

  private MemberView() {}

  public static JsonObject mcpServer(Principal p, JsonObject server) {
    if (server == null || (p != null && p.admin())) return server;
    JsonObject s = server.copy();
    if (s.getValue("args") instanceof JsonArray args) {
      JsonArray masked = new JsonArray();
      args.forEach(a -> masked.add(MASK));
      s.put("args", masked);
    }
    if (s.getValue("url") instanceof String url) s.put("url", maskUrl(url));
    maskValues(s, "env");
    maskValues(s, "headers");
    return s;
  }

  public static JsonObject oauthClient(Principal p, JsonObject client) {
    if (client == null || (p != null && p.admin())) return client;
    JsonObject c = client.copy();
    maskValues(c, "extraHeaders");
    maskValues(c, "extraParams");
    return c;
  }

  private static void maskValues(JsonObject o, String key) {
    if (!(o.getValue(key) instanceof JsonObject map)) return;
    JsonObject masked = new JsonObject();
    map.fieldNames().forEach(k -> masked.put(k, MASK));
    o.put(key, masked);
  }

  /** {@code https://u:p@h/x?token=abc#f} → {@code https://********@h/x?token=********}. */
  static String maskUrl(String url) {
    String u = url;
    int hash = u.indexOf('#');
    if (hash >= 0) u = u.substring(0, hash);
    int scheme = u.indexOf("://");
    if (scheme >= 0) {
      int start = scheme + 3;
      int end = u.length();
      for (char c : new char[] {'/', '?'}) {
        int i = u.indexOf(c, start);
        if (i >= 0 && i < end) end = i;
      }
      int at = u.lastIndexOf('@', end - 1);
      if (at >= start) u = u.substring(0, start) + MASK + u.substring(at);
    }
    int q = u.indexOf('?');
    if (q < 0) return u;
    StringBuilder b = new StringBuilder(u.substring(0, q + 1));
    String[] parts = u.substring(q + 1).split("&", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) b.append('&');
      int eq = parts[i].indexOf('=');
      b.append(eq >= 0 ? parts[i].substring(0, eq + 1) + MASK : MASK);
    }
    return b.toString();
  }
}
