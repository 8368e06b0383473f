package dev.maestro.platform.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** What an address is, for the {@link OutboundPolicy}. IPv4 carried inside IPv6 is judged as the IPv4 address. */
enum AddressClass {
  PUBLIC, LOOPBACK, PRIVATE, METADATA, RESERVED;

  static AddressClass of(InetAddress a) {
    byte[] b = a.getAddress();
    return a instanceof Inet4Address ? v4(b) : v6(b, (Inet6Address) a);
  }

  private static AddressClass v4(byte[] b) {
    int x = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    if (in(x, 0xA9FE0000, 16)) return METADATA;                     // 169.254/16 link-local (AWS, GCP, Azure, OCI metadata)
    if (x == 0x646464C8) return METADATA;                            // 100.100.100.200 Alibaba Cloud metadata
    if (in(x, 0x7F000000, 8) || in(x, 0x00000000, 8)) return LOOPBACK; // 127/8; 0/8 reaches this host on Linux
    if (in(x, 0x0A000000, 8) || in(x, 0xAC100000, 12) || in(x, 0xC0A80000, 16)
        || in(x, 0x64400000, 10) || in(x, 0xC6120000, 15)) {
      return PRIVATE;                                                // RFC 1918, CGNAT 100.64/10, benchmarking 198.18/15
    }
    if (in(x, 0xE0000000, 4) || in(x, 0xF0000000, 4)                 // multicast, reserved, broadcast
        || in(x, 0xC0000000, 24) || in(x, 0xC0000200, 24)            // 192.0.0/24 protocol assignments, TEST-NET-1
        || in(x, 0xC6336400, 24) || in(x, 0xCB007100, 24)            // TEST-NET-2, TEST-NET-3
        || in(x, 0xC0586300, 24)) {                                  // 192.88.99/24 6to4 relay anycast
      return RESERVED;
    }
    return PUBLIC;
  }

  private static AddressClass v6(byte[] b, Inet6Address a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) return LOOPBACK;
    int w0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
    int w1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    if (isMetadataV6(b)) return METADATA;
    if ((w0 & 0xffc0) == 0xfe80) return METADATA;                   // fe80::/10 link-local
    if ((w0 & 0xffc0) == 0xfec0) return PRIVATE;                    // fec0::/10 site-local (deprecated)
    if ((w0 & 0xfe00) == 0xfc00) return PRIVATE;                    // fc00::/7 unique local
    if ((w0 & 0xff00) == 0xff00) return RESERVED;                   // multicast
    if (w0 == 0x2001 && w1 == 0x0db8) return RESERVED;              // documentation
    if (allZero(b, 0, 10)) {
      // ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped; Java usually hands those over as Inet4Address)
      boolean mapped = (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
      boolean compatible = b[10] == 0 && b[11] == 0;
      if (mapped || compatible) return embedded(b, 12);
      return RESERVED;
    }
    if (allZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && b[10] == 0 && b[11] == 0) {
      return embedded(b, 12);                                        // ::ffff:0:a.b.c.d (SIIT)
    }
    if (w0 == 0x0064 && w1 == 0xff9b) {
      // 64:ff9b::/96 well-known NAT64 carries the IPv4 address in the last 32 bits;
      // 64:ff9b:1::/48 is the local-use NAT64 prefix: whatever it carries, it is internal
      if (allZero(b, 4, 12)) return embedded(b, 12);
      return worst(embedded(b, 12), PRIVATE);
    }
    if (w0 == 0x2002) return worst(embedded(b, 2), PUBLIC);          // 6to4: 2002:AABB:CCDD::/48
    if (w0 == 0x2001 && w1 == 0x0000) {
      // Teredo: the client's IPv4 address, inverted, in the last 32 bits
      byte[] inv = new byte[4];
      for (int i = 0; i < 4; i++) inv[i] = (byte) ~b[12 + i];
      return worst(v4(inv), embedded(b, 4));
    }
    if (w0 == 0x0100 && allZero(b, 2, 6)) return RESERVED;          // 100::/64 discard
    return PUBLIC;
  }

  /** AWS (fd00:ec2::254) and GCP (fd20:ce::254) IPv6 metadata endpoints. */
  private static boolean isMetadataV6(byte[] b) {
    return sameAs(b, "fd00:ec2::254") || sameAs(b, "fd20:ce::254");
  }

  private static boolean sameAs(byte[] b, String literal) {
    try {
      return java.util.Arrays.equals(b, InetAddress.getByName(literal).getAddress());
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static AddressClass embedded(byte[] b, int from) {
    return v4(new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]});
  }

  /** The stricter of two classes. */
  private static AddressClass worst(AddressClass a, AddressClass b) {
    return a.ordinal() >= b.ordinal() ? a : b;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) if (b[i] != 0) return false;
    return true;
  }

  private static boolean in(int x, int net, int bits) {
    int mask = bits == 0 ? 0 : -1 << (32 - bits);
    return (x & mask) == (net & mask);
  }
}
