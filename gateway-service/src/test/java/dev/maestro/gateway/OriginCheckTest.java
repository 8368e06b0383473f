package dev.maestro.gateway;

import dev.maestro.gateway.api.OriginCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Origin vs Host with scheme-default ports: hostile pairs refused, equivalent spellings accepted. */
class OriginCheckTest {

  @ParameterizedTest(name = "Origin {0} with Host {1} → refused")
  @CsvSource(delimiter = '|', value = {
      "http://host:9999|host",
      "http://host:8080|host",
      "https://host:8443|host",
      "http://host:443|host",
      "https://host|host:80",
      "http://host|host:443",
      "http://host:81|host:80",
      "http://evil.example|host",
      "http://host.evil.example|host",
      "http://evilhost|host",
      "http://127.0.0.1:9999|127.0.0.1",
      "http://[::1]:9999|[::1]",
      "http://[::1]|[::2]",
      "null|host",
      "file://host|host",
      "ws://host|host",
      "javascript:alert(1)|host",
      "http://user@host|host",
      "http://host/path|host",
      "http://host?x=1|host",
      "http://host:0|host:0",
      "http://host|host:99999",
      "http://host|host:abc",
      "http://host|host:",
      "http://host|::1",
      "http://host|[::1",
      "http://host|''",
      "'http://host:9999'|'host:09999x'",
  })
  void refused(String origin, String host) {
    assertThat(OriginCheck.matches(origin, host)).isFalse();
  }

  @ParameterizedTest(name = "Origin {0} with Host {1} → accepted")
  @CsvSource(delimiter = '|', value = {
      "http://host|host",
      "http://host|host:80",
      "http://host:80|host",
      "https://host|host",
      "https://host|host:443",
      "https://host:443|host",
      "http://host:8080|host:8080",
      "HTTP://HOST:8080|host:8080",
      "http://127.0.0.1:7070|127.0.0.1:7070",
      "http://[::1]:7070|[::1]:7070",
      "http://[::1]|[::1]",
  })
  void accepted(String origin, String host) {
    assertThat(OriginCheck.matches(origin, host)).isTrue();
  }
}
