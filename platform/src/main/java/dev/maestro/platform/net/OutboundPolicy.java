package dev.maestro.platform.net;

import dev.maestro.platform.net.OutboundRefusedException.Rule;

import java.net.IDN;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which URLs that members type (or that a foreign OAuth / MCP server names) Maestro may fetch.
 *
 * <ul>
 *   <li>Only {@code http} and {@code https}, no user info ({@code good@169.254.169.254}), no
 *       percent-encoded or ambiguous hosts.</li>
 *   <li>Link-local and cloud metadata addresses ({@code 169.254.0.0/16}, {@code fe80::/10},
 *       {@code fd00:ec2::254}, {@code fd20:ce::254}, {@code 100.100.100.200}) and metadata host names are
 *       always refused, in every spelling: decimal, octal, hex and short IPv4 forms are read the way
 *       {@code inet_aton} reads them, IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4, Teredo) is
 *       checked as the IPv4 address it carries, trailing dots and Unicode look-alikes are normalised.</li>
 *   <li>Loopback ({@code 127/8}, {@code 0/8}, {@code ::1}, {@code ::}) and private ranges ({@code 10/8},
 *       {@code 172.16/12}, {@code 192.168/16}, {@code 100.64/10}, {@code fc00::/7}, …) are refused unless
 *       the admin lists host:port in {@value #ENV} ({@link AllowList}).</li>
 *   <li>Multicast, broadcast and reserved ranges are always refused.</li>
 * </ul>
 *
 * A host name is checked by resolving it ({@link #check(String)} is blocking) and checking every
 * address it resolves to; callers then connect to the returned address so DNS cannot answer
 * differently between check and connect ({@link OutboundHttp}).
 */
public final class OutboundPolicy {
  public static final String ENV = "MAESTRO_ALLOWED_PRIVATE_HOSTS";
  /**
   * The loopback ports of local model servers: Ollama (11434) and LM Studio (1234). vLLM (8000) and
   * llama.cpp (8080, also Maestro's own port) are left out on purpose; list them when you run them.
   */
  public static final String DEFAULT_ALLOWED =
      "127.0.0.1:11434,[::1]:11434,localhost:11434,127.0.0.1:1234,[::1]:1234,localhost:1234";

  /** Names of cloud metadata services, refused before any lookup. */
  private static final Set<String> METADATA_NAMES = Set.of("metadata", "metadata.google.internal", "metadata.goog",
      "instance-data", "instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("^(0x[0-9a-f]*|[0-9]+)$");
  private static final Pattern HOST_NAME = Pattern.compile("^[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*$");

  /** Name resolution, injectable so tests can make a name resolve to anything. Blocking. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;

    Resolver SYSTEM = InetAddress::getAllByName;
  }

  /** A URL that passed the syntax rules: normalised host (IPv6 without brackets), port, and the literal address if it is one. */
  public record Target(String url, String scheme, String host, int port, InetAddress literal) {}

  /** A target and the one address (checked, like every other address of the name) to connect to. */
  public record Checked(Target target, InetAddress address) {}

  private final AllowList allowed;
  private final Resolver resolver;

  public OutboundPolicy(AllowList allowed, Resolver resolver) {
    this.allowed = allowed;
    this.resolver = resolver;
  }

  /** The policy with the admin's list ({@code null}: the default list) and the system resolver. */
  public static OutboundPolicy of(String allowedSpec) {
    return new OutboundPolicy(AllowList.parse(allowedSpec == null ? DEFAULT_ALLOWED : allowedSpec), Resolver.SYSTEM);
  }

  public OutboundPolicy withResolver(Resolver r) {
    return new OutboundPolicy(allowed, r);
  }

  /** The syntax rules and the rules that need no lookup (literal addresses, metadata names). Never blocks. */
  public Target parse(String url) {
    if (url == null || url.isBlank()) throw malformed("is empty");
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw malformed("is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new OutboundRefusedException(Rule.MALFORMED, "must be an http or https URL");
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()) throw malformed("has no host");
    if (authority.indexOf('@') >= 0) {
      throw new OutboundRefusedException(Rule.MALFORMED, "must not carry user info (user@host); put credentials in the key field");
    }
    String hostPart;
    String portPart = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) throw malformed("has an unterminated IPv6 address");
      hostPart = authority.substring(1, close);
      String rest = authority.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) throw malformed("has garbage after the IPv6 address");
        portPart = rest.substring(1);
      }
      if (hostPart.indexOf('%') >= 0) throw malformed("must not name an IPv6 zone");
    } else {
      int colon = authority.lastIndexOf(':');
      hostPart = colon < 0 ? authority : authority.substring(0, colon);
      if (colon >= 0) portPart = authority.substring(colon + 1);
      if (hostPart.indexOf('%') >= 0) throw malformed("must not percent-encode the host");
      if (hostPart.indexOf(':') >= 0) throw malformed("must put an IPv6 address in brackets");
    }
    int port;
    if (portPart == null || portPart.isEmpty()) {
      port = scheme.equals("https") ? 443 : 80;
    } else {
      if (!portPart.chars().allMatch(Character::isDigit) || portPart.length() > 5) throw malformed("has an invalid port");
      port = Integer.parseInt(portPart);
      if (port < 1 || port > 65535) throw malformed("has an invalid port");
    }
    if (authority.startsWith("[")) {
      InetAddress v6 = ipv6Literal(hostPart);
      Target t = new Target(url, scheme, v6.getHostAddress(), port, v6);
      checkAddress(t, v6);
      return t;
    }
    String host = normaliseName(hostPart);
    InetAddress v4 = ipv4Literal(host);
    Target t = new Target(url, scheme, v4 != null ? v4.getHostAddress() : host, port, v4);
    if (v4 != null) {
      checkAddress(t, v4);
    } else if (METADATA_NAMES.contains(host)) {
      throw new OutboundRefusedException(Rule.METADATA, "points at a cloud metadata service (" + host + "), which is never allowed");
    }
    return t;
  }

  /** {@link #parse} plus, for a name, a lookup with every address checked. Blocking (DNS). */
  public Checked check(String url) {
    return check(parse(url));
  }

  /** Resolves a parsed target and checks every address; returns the first to connect to. Blocking (DNS). */
  public Checked check(Target t) {
    if (t.literal() != null) return new Checked(t, t.literal());
    InetAddress[] all;
    try {
      all = resolver.resolve(t.host());
    } catch (UnknownHostException e) {
      throw new OutboundRefusedException(Rule.UNRESOLVED, "names a host that does not resolve (" + t.host() + ")");
    }
    if (all == null || all.length == 0) {
      throw new OutboundRefusedException(Rule.UNRESOLVED, "names a host that does not resolve (" + t.host() + ")");
    }
    // every address: a name with one public and one internal address must not be a way in
    for (InetAddress a : all) checkAddress(t, a);
    return new Checked(t, all[0]);
  }

  /** Refuses an address the target may not reach. */
  public void checkAddress(Target t, InetAddress a) {
    AddressClass c = AddressClass.of(a);
    String shown = a.getHostAddress() + (t.literal() == null ? ", from " + t.host() : "");
    switch (c) {
      case PUBLIC -> { }
      case METADATA -> throw new OutboundRefusedException(Rule.METADATA,
          "points at a link-local/metadata address (" + shown + "), which is never allowed");
      case RESERVED -> throw new OutboundRefusedException(Rule.RESERVED,
          "points at a multicast, broadcast or reserved address (" + shown + "), which is never allowed");
      case LOOPBACK, PRIVATE -> {
        if (!allowed.allows(t.host(), a, t.port())) {
          String hp = (a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress()) + ":" + t.port();
          throw new OutboundRefusedException(Rule.PRIVATE, "points at a " + (c == AddressClass.LOOPBACK ? "loopback" : "private")
              + " address (" + shown + "): ask an admin to add " + hp + " to " + ENV);
        }
      }
      default -> throw new IllegalStateException(String.valueOf(c));
    }
  }

  /** Lower case, ASCII (IDNA, which also folds full-width digits and dots), no trailing dot; refuses odd characters. */
  static String normaliseName(String raw) {
    String h;
    try {
      h = IDN.toASCII(raw, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw malformed("has an invalid host name");
    }
    while (h.endsWith(".")) h = h.substring(0, h.length() - 1);
    if (h.isEmpty()) throw malformed("has no host");
    if (!HOST_NAME.matcher(h).matches()) throw malformed("has an invalid host name");
    return h;
  }

  /**
   * A host whose last label is numeric is an IPv4 address (as in the WHATWG URL standard), read as
   * {@code inet_aton} reads it: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last
   * part fills the remaining bytes. Null for an ordinary name; refused when numeric but not valid.
   */
  static InetAddress ipv4Literal(String host) {
    String[] parts = host.split("\\.", -1);
    if (!NUMERIC_LABEL.matcher(parts[parts.length - 1]).matches()) return null;
    if (parts.length > 4) throw malformed("has an ambiguous numeric host");
    long[] v = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      try {
        if (p.startsWith("0x")) v[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
        else if (p.length() > 1 && p.startsWith("0")) v[i] = Long.parseLong(p.substring(1), 8);
        else v[i] = Long.parseLong(p);
      } catch (NumberFormatException e) {
        throw malformed("has an ambiguous numeric host");
      }
      if (p.length() > 12) throw malformed("has an ambiguous numeric host");
    }
    long value = 0;
    for (int i = 0; i < v.length - 1; i++) {
      if (v[i] > 255) throw malformed("has an ambiguous numeric host");
      value |= v[i] << (8 * (3 - i));
    }
    long last = v[v.length - 1];
    if (last >= 1L << (8 * (5 - v.length))) throw malformed("has an ambiguous numeric host");
    value |= last;
    byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw malformed("has an invalid IPv4 address");
    }
  }

  private static InetAddress ipv6Literal(String s) {
    if (s.isEmpty() || !s.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == ':' || ch == '.')) {
      throw malformed("has an invalid IPv6 address");
    }
    try {
      // a literal: no lookup happens for a string of hex digits, colons and dots
      return InetAddress.getByName("[" + s + "]");
    } catch (UnknownHostException e) {
      throw malformed("has an invalid IPv6 address");
    }
  }

  private static OutboundRefusedException malformed(String what) {
    return new OutboundRefusedException(Rule.MALFORMED, what);
  }

  /** For tests and diagnostics: the class of an address. */
  public static String classify(InetAddress a) {
    return AddressClass.of(a).name().toLowerCase(Locale.ROOT);
  }

  static List<String> splitList(String spec) {
    List<String> out = new ArrayList<>();
    if (spec == null) return out;
    for (String s : spec.split(",")) if (!s.isBlank()) out.add(s.trim());
    return out;
  }
}
