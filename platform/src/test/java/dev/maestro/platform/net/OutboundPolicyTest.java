package dev.maestro.platform.net;

import dev.maestro.platform.net.OutboundRefusedException.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboundPolicyTest {
  /** Lets every loopback and private address through: what stays refused is refused by the fixed rules. */
  private static final OutboundPolicy OPEN = OutboundPolicy.of("127.0.0.0/8:*,0.0.0.0/8:*,[::1]:*,[::]:*,localhost:*,"
      + "10.0.0.0/8:*,172.16.0.0/12:*,192.168.0.0/16:*,100.64.0.0/10:*,[fc00::/7]:*,[fe80::/10]:*,169.254.0.0/16:*");
  private static final OutboundPolicy DEFAULT = OutboundPolicy.of(null);

  @ParameterizedTest
  @ValueSource(strings = {
      "http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://0251.0376.0251.0376/",
      "http://0xa9fea9fe/", "http://0xA9FEA9FE/", "http://0xa9.0xfe.0xa9.0xfe/", "http://169.254.43518/", "http://169.16689662/",
      "http://0251.254.169.254/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/", "http://[::169.254.169.254]/",
      "http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "http://[::ffff:0:a9fe:a9fe]/", "http://[64:ff9b::a9fe:a9fe]/",
      "http://[64:ff9b::169.254.169.254]/", "http://[2002:a9fe:a9fe::1]/", "http://[fd00:ec2::254]/", "http://[FD00:EC2:0::254]/",
      "http://[fd20:ce::254]/", "http://[fe80::1]/", "http://[fe80::a9fe:a9fe]:80/", "http://[febf::1]/",
      "http://metadata.google.internal/", "http://metadata.google.internal./", "http://METADATA.GOOGLE.INTERNAL/",
      "http://metadata/", "http://metadata.goog/", "http://instance-data/", "http://169.254.169.254./", "http://169.254.169.254:8080/",
      "https://169.254.169.254/", "http://100.100.100.200/", "http://169.254.170.2/v2/credentials",
      "http://\uff11\uff16\uff19\uff0e\uff12\uff15\uff14\uff0e\uff11\uff16\uff19\uff0e\uff12\uff15\uff14/"})
  void metadataIsRefusedInEverySpellingEvenWhenEverythingPrivateIsListed(String url) {
    assertThatThrownBy(() -> OPEN.check(url)).isInstanceOf(OutboundRefusedException.class)
        .satisfies(e -> assertThat(((OutboundRefusedException) e).rule()).isEqualTo(Rule.METADATA))
        .hasMessageContaining("never allowed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://good@169.254.169.254/", "http://good:pw@example.com/", "http://%31%36%39.254.169.254/",
      "file:///etc/passwd", "gopher://example.com/", "ftp://example.com/", "javascript:alert(1)", "//example.com/",
      "http:///path", "http://[fe80::1%25eth0]/", "http://[::1/", "http://example.com:99999/", "http://example.com:-1/",
      "http://08.1.1.1/", "http://1.2.3.4.5/", "http://256.1.1.1/", "http://1.2.3.256/", "http://0x1ffffffff/",
      "http://exa mple.com/", "http://a..b/", "http://999999999999999999999/", " "})
  void malformedAndTrickUrlsAreRefused(String url) {
    assertThatThrownBy(() -> OPEN.check(url)).isInstanceOf(OutboundRefusedException.class)
        .satisfies(e -> assertThat(((OutboundRefusedException) e).rule()).isIn(Rule.MALFORMED, Rule.METADATA));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:9/", "http://2130706433:9/", "http://0x7f000001:9/", "http://0177.0.0.1:9/",
      "http://127.1:9/", "http://0.0.0.0:9/", "http://0:9/", "http://[::1]:9/", "http://[::]:9/", "http://[::ffff:127.0.0.1]:9/",
      "http://[::127.0.0.1]:9/", "http://localhost:9/", "http://10.0.0.1/", "http://172.16.0.1/", "http://172.31.255.255/",
      "http://192.168.1.1/", "http://100.64.0.1/", "http://[fd12:3456::1]/", "http://[fc00::1]/", "http://[2002:7f00:1::]/",
      "http://[64:ff9b::7f00:1]/", "http://[64:ff9b:1::a00:1]/", "http://127.0.0.1.:11435/"})
  void loopbackAndPrivateAreRefusedUnlessListed(String url) {
    assertThatThrownBy(() -> DEFAULT.check(url)).isInstanceOf(OutboundRefusedException.class)
        .satisfies(e -> assertThat(((OutboundRefusedException) e).rule()).isEqualTo(Rule.PRIVATE))
        .hasMessageContaining("ask an admin to add").hasMessageContaining(OutboundPolicy.ENV);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://224.0.0.1/", "http://255.255.255.255/", "http://240.0.0.1/", "http://[ff02::1]/",
      "http://192.0.2.1/", "http://[2001:db8::1]/"})
  void reservedAddressesAreRefused(String url) {
    assertThatThrownBy(() -> OPEN.check(url)).isInstanceOf(OutboundRefusedException.class)
        .satisfies(e -> assertThat(((OutboundRefusedException) e).rule()).isEqualTo(Rule.RESERVED));
  }

  @Test
  void theDefaultListKeepsLocalModelServersWorking() {
    assertThat(DEFAULT.check("http://localhost:11434/v1").address().isLoopbackAddress()).isTrue();
    assertThat(DEFAULT.check("http://127.0.0.1:11434/v1").address().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(DEFAULT.check("http://127.0.0.1:1234/v1").address().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(DEFAULT.check("http://[::1]:11434/v1").address().isLoopbackAddress()).isTrue();
    assertThatThrownBy(() -> DEFAULT.check("http://127.0.0.1:8080/")).hasMessageContaining("127.0.0.1:8080");
    assertThatThrownBy(() -> DEFAULT.check("http://127.0.0.2:11434/")).isInstanceOf(OutboundRefusedException.class);
  }

  @Test
  void publicAddressesPass() {
    assertThat(DEFAULT.check("https://8.8.8.8/v1").target().port()).isEqualTo(443);
    assertThat(DEFAULT.check("http://[2606:4700::1111]:8443/").target().port()).isEqualTo(8443);
    assertThat(DEFAULT.check("http://134744072/").address().getHostAddress()).isEqualTo("8.8.8.8");
    OutboundPolicy fake = DEFAULT.withResolver(resolving(Map.of("api.example.com", new String[] {"93.184.216.34"})));
    assertThat(fake.check("https://api.example.com/v1").address().getHostAddress()).isEqualTo("93.184.216.34");
    assertThat(fake.check("https://API.Example.COM./v1").target().host()).isEqualTo("api.example.com");
  }

  @Test
  void aNameIsJudgedByEveryAddressItResolvesTo() {
    OutboundPolicy p = DEFAULT.withResolver(resolving(Map.of(
        "evil.test", new String[] {"169.254.169.254"},
        "evil-loop.test", new String[] {"127.0.0.1"},
        "mixed.test", new String[] {"93.184.216.34", "10.0.0.5"},
        "mixed-meta.test", new String[] {"93.184.216.34", "fd00:ec2::254"},
        "mapped.test", new String[] {"::ffff:169.254.169.254"})));
    assertThatThrownBy(() -> p.check("http://evil.test/")).hasMessageContaining("link-local/metadata")
        .hasMessageContaining("169.254.169.254, from evil.test");
    assertThatThrownBy(() -> p.check("http://evil-loop.test:9/")).hasMessageContaining("loopback");
    assertThatThrownBy(() -> p.check("http://mixed.test/")).hasMessageContaining("private");
    assertThatThrownBy(() -> p.check("http://mixed-meta.test/")).hasMessageContaining("never allowed");
    assertThatThrownBy(() -> p.check("http://mapped.test/")).hasMessageContaining("never allowed");
    assertThatThrownBy(() -> p.check("http://nowhere.test/")).isInstanceOf(OutboundRefusedException.class)
        .satisfies(e -> assertThat(((OutboundRefusedException) e).rule()).isEqualTo(Rule.UNRESOLVED));
  }

  @Test
  void allowListEntriesMatchHostAndPort() {
    OutboundPolicy p = OutboundPolicy.of("ollama.lan:11434, 10.1.0.0/16:8000 ,[fd00::/8]:*, 127.0.0.1:*")
        .withResolver(resolving(Map.of("ollama.lan", new String[] {"192.168.7.7"}, "other.lan", new String[] {"192.168.7.7"},
            "rebind.lan", new String[] {"169.254.169.254"})));
    assertThat(p.check("http://ollama.lan:11434/v1").address().getHostAddress()).isEqualTo("192.168.7.7");
    assertThatThrownBy(() -> p.check("http://ollama.lan:11435/")).hasMessageContaining("192.168.7.7:11435");
    assertThatThrownBy(() -> p.check("http://other.lan:11434/")).isInstanceOf(OutboundRefusedException.class);
    assertThat(p.check("http://10.1.2.3:8000/").address().getHostAddress()).isEqualTo("10.1.2.3");
    assertThatThrownBy(() -> p.check("http://10.2.2.3:8000/")).isInstanceOf(OutboundRefusedException.class);
    assertThat(p.check("http://[fd12::1]:1/").address().getHostAddress()).contains("fd12");
    assertThat(p.check("http://127.0.0.1:5555/").address().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(p.check("http://2130706433:5555/").address().getHostAddress()).isEqualTo("127.0.0.1");
    // a listing never opens metadata, not even through a listed name, nor the AWS address inside a listed range
    assertThatThrownBy(() -> OutboundPolicy.of("rebind.lan:*").withResolver(resolving(Map.of("rebind.lan",
        new String[] {"169.254.169.254"}))).check("http://rebind.lan/")).hasMessageContaining("never allowed");
    assertThatThrownBy(() -> p.check("http://[fd00:ec2::254]/")).hasMessageContaining("never allowed");
    assertThatThrownBy(() -> OutboundPolicy.of("none").check("http://127.0.0.1:11434/")).isInstanceOf(OutboundRefusedException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "10.0.0.0/33:1", "name/8:1", ":80", "[::1]", "127.0.0.1:70000"})
  void badAllowListEntriesAreNamed(String spec) {
    assertThatThrownBy(() -> OutboundPolicy.of(spec)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(OutboundPolicy.ENV);
  }

  private static OutboundPolicy.Resolver resolving(Map<String, String[]> table) {
    return host -> {
      String[] ips = table.get(host);
      if (ips == null) throw new UnknownHostException(host);
      InetAddress[] out = new InetAddress[ips.length];
      for (int i = 0; i < ips.length; i++) out[i] = InetAddress.getByName(ips[i].contains(":") ? "[" + ips[i] + "]" : ips[i]);
      return out;
    };
  }
}
