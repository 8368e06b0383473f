package dev.maestro.testkit;

import java.util.List;

/**
 * URLs a member might type to make Maestro fetch something it must not (SSRF), shared by the
 * services' hostile tests. {@link #METADATA} are refused whatever the admin allows; {@link #INTERNAL}
 * are refused unless the admin lists them (tests list loopback, so use them with a strict list).
 */
public final class HostileUrls {
  private HostileUrls() {}

  /** Link-local / cloud metadata in every spelling, plus schemes and tricks that are never allowed. */
  public static final List<String> METADATA = List.of(
      "http://169.254.169.254/latest/meta-data/",
      "http://2852039166/",                       // decimal
      "http://0251.0376.0251.0376/",              // octal
      "http://0xa9fea9fe/",                       // hex
      "http://0xa9.0xfe.0xa9.0xfe/",              // hex per byte
      "http://169.254.43518/",                    // a.b.c short form
      "http://169.16689662/",                     // a.b short form
      "http://[::ffff:169.254.169.254]/",         // IPv4-mapped IPv6
      "http://[::ffff:a9fe:a9fe]/",               // IPv4-mapped IPv6, hex
      "http://[::169.254.169.254]/",              // IPv4-compatible IPv6
      "http://[64:ff9b::a9fe:a9fe]/",             // NAT64
      "http://[2002:a9fe:a9fe::1]/",              // 6to4
      "http://[fd00:ec2::254]/latest/meta-data/", // AWS IPv6 metadata
      "http://[fe80::1]/",                        // IPv6 link-local
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://METADATA.Google.Internal./",        // case and trailing dot
      "http://metadata/",
      "http://169.254.169.254./",                 // trailing dot on an address
      "http://good@169.254.169.254/",             // user info
      "http://100.100.100.200/",                  // Alibaba metadata
      "http://\uff11\uff16\uff19\uff0e\uff12\uff15\uff14\uff0e\uff11\uff16\uff19\uff0e\uff12\uff15\uff14/", // full-width digits and dots
      "file:///etc/passwd",
      "gopher://169.254.169.254:70/");

  /** Loopback and private addresses in several spellings (port 9, nothing listens). */
  public static final List<String> INTERNAL = List.of(
      "http://127.0.0.1:9/",
      "http://2130706433:9/",
      "http://0x7f000001:9/",
      "http://0177.0.0.1:9/",
      "http://127.1:9/",
      "http://0.0.0.0:9/",
      "http://[::1]:9/",
      "http://[::]:9/",
      "http://[::ffff:127.0.0.1]:9/",
      "http://localhost:9/",
      "http://10.0.0.1:9/",
      "http://172.16.0.1:9/",
      "http://192.168.1.1:9/",
      "http://100.64.0.1:9/",
      "http://[fd12:3456::1]:9/");
}
