package dev.maestro.platform.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The admin's {@value OutboundPolicy#ENV}: a comma list of {@code host:port} entries where host is
 * a name ({@code localhost}, {@code ollama.lan}), an address ({@code 127.0.0.1}, {@code [::1]}) or
 * a CIDR range ({@code 10.0.0.0/8}, {@code [fd00::/8]}), and port is a number or {@code *}.
 * {@code none} (or an empty value) lists nothing. A name entry lets that name reach the loopback and
 * private addresses it resolves to; an address or range entry lets any URL whose host resolves into
 * it through. Nothing here can open link-local or metadata addresses.
 */
public final class AllowList {
  private record Entry(String name, byte[] network, int bits, int port) {
    boolean matches(String host, InetAddress a, int p) {
      if (port != -1 && port != p) return false;
      if (name != null) return name.equals(host);
      byte[] b = a.getAddress();
      if (b.length != network.length) return false;
      int full = bits / 8;
      for (int i = 0; i < full; i++) if (b[i] != network[i]) return false;
      int rest = bits % 8;
      if (rest == 0) return true;
      int mask = (0xff << (8 - rest)) & 0xff;
      return (b[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Entry> entries;
  private final String spec;

  private AllowList(List<Entry> entries, String spec) {
    this.entries = entries;
    this.spec = spec;
  }

  /** Parses the list; an entry that does not parse fails start-up with a message naming it. */
  public static AllowList parse(String spec) {
    List<Entry> out = new ArrayList<>();
    String s = spec == null ? "" : spec.trim();
    if (!s.equalsIgnoreCase("none")) {
      for (String item : OutboundPolicy.splitList(s)) out.add(entry(item));
    }
    return new AllowList(List.copyOf(out), s);
  }

  private static Entry entry(String item) {
    String host;
    String port;
    if (item.startsWith("[")) {
      int close = item.indexOf(']');
      if (close < 0 || close + 1 >= item.length() || item.charAt(close + 1) != ':') throw bad(item);
      host = item.substring(1, close);
      port = item.substring(close + 2);
    } else {
      int colon = item.lastIndexOf(':');
      if (colon <= 0) throw bad(item);
      host = item.substring(0, colon);
      port = item.substring(colon + 1);
    }
    int p;
    if (port.equals("*")) {
      p = -1;
    } else {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw bad(item);
      }
      if (p < 1 || p > 65535) throw bad(item);
    }
    int slash = host.indexOf('/');
    String addr = slash < 0 ? host : host.substring(0, slash);
    boolean literal = addr.contains(":") || addr.matches("[0-9.]+");
    if (!literal) {
      if (slash >= 0) throw bad(item);
      return new Entry(host.toLowerCase(Locale.ROOT).replaceAll("\\.+$", ""), null, 0, p);
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(addr.contains(":") ? "[" + addr + "]" : addr);
    } catch (UnknownHostException e) {
      throw bad(item);
    }
    int max = a instanceof Inet4Address ? 32 : 128;
    int bits = max;
    if (slash >= 0) {
      try {
        bits = Integer.parseInt(host.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw bad(item);
      }
      if (bits < 0 || bits > max) throw bad(item);
    }
    return new Entry(null, a.getAddress(), bits, p);
  }

  private static IllegalArgumentException bad(String item) {
    return new IllegalArgumentException(OutboundPolicy.ENV + ": '" + item
        + "' is not host:port, address:port or cidr:port (port may be *; IPv6 in brackets)");
  }

  boolean allows(String host, InetAddress a, int port) {
    for (Entry e : entries) if (e.matches(host, a, port)) return true;
    return false;
  }

  @Override
  public String toString() {
    return spec;
  }
}
