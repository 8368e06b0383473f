package dev.maestro.gateway.api;

import java.net.URI;
import java.util.Locale;

/**
 * Does a browser's {@code Origin} name the host it is talking to ({@code Host})? Scheme, host and
 * port must all agree, ports compared after filling in the scheme's default (http 80, https 443):
 * a {@code Host} without a port means the browser used its scheme's default port, so
 * {@code Origin: http://host:9999} with {@code Host: host} is another origin (a page on another port
 * of the same machine) and is refused, while {@code Origin: http://host} with {@code Host: host:80}
 * is the same one. {@code null}, opaque or malformed origins and other schemes are refused.
 */
public final class OriginCheck {
  private OriginCheck() {
  }

  /** True when {@code origin} (the header value, non-null) is the origin of {@code host}. */
  public static boolean matches(String origin, String host) {
    if (origin == null || host == null || host.isBlank()) return false;
    URI o;
    try {
      o = new URI(origin.trim());
    } catch (Exception e) {
      return false;
    }
    String scheme = o.getScheme() == null ? null : o.getScheme().toLowerCase(Locale.ROOT);
    int defaultPort = defaultPort(scheme);
    if (defaultPort < 0 || o.getHost() == null || o.getRawUserInfo() != null) return false;
    // an Origin is scheme://host[:port] and nothing more
    if ((o.getRawPath() != null && !o.getRawPath().isEmpty()) || o.getRawQuery() != null || o.getRawFragment() != null) return false;
    int originPort = o.getPort() < 0 ? defaultPort : o.getPort();

    String h = host.trim();
    String hostName;
    int hostPort;
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      if (end < 0) return false;
      hostName = h.substring(0, end + 1);
      String rest = h.substring(end + 1);
      if (rest.isEmpty()) hostPort = defaultPort;
      else if (rest.startsWith(":")) hostPort = port(rest.substring(1));
      else return false;
    } else {
      int colon = h.lastIndexOf(':');
      if (colon >= 0 && h.indexOf(':') != colon) return false; // an unbracketed IPv6 address is not a Host
      hostName = colon < 0 ? h : h.substring(0, colon);
      hostPort = colon < 0 ? defaultPort : port(h.substring(colon + 1));
    }
    if (hostPort < 0 || hostName.isEmpty()) return false;
    return hostName.equalsIgnoreCase(o.getHost()) && hostPort == originPort;
  }

  private static int defaultPort(String scheme) {
    if ("http".equals(scheme)) return 80;
    if ("https".equals(scheme)) return 443;
    return -1;
  }

  private static int port(String digits) {
    if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) return -1;
    int p = Integer.parseInt(digits);
    return p > 0 && p <= 65535 ? p : -1;
  }
}
