package dev.maestro.platform;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MaestroConfigTest {

  @Test
  void defaultsApplyWhenNothingIsSet() {
    MaestroConfig c = MaestroConfig.resolve(n -> null, java.util.Set.of());
    assertThat(c.pgUrl()).isEqualTo("postgresql://postgres@127.0.0.1:5432/maestro");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.get(MaestroConfig.ADMIN_PASSWORD)).isNull();
    assertThat(c.publicUrl()).isEqualTo("http://localhost:8080");
  }

  @Test
  void environmentOverridesDefaultsAndServiceKnobsPassThrough() {
    Map<String, String> env = Map.of("MAESTRO_HTTP_PORT", "9090", "MAESTRO_PROVIDER_MAX_RETRIES", "7",
        "UNRELATED", "x", "MAESTRO_PG_URL", " ");
    MaestroConfig c = MaestroConfig.resolve(env::get, env.keySet());
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(c.get("MAESTRO_PROVIDER_MAX_RETRIES")).isEqualTo("7");
    assertThat(c.toJson().containsKey("UNRELATED")).isFalse();
    assertThat(c.pgUrl()).as("blank means default").isEqualTo("postgresql://postgres@127.0.0.1:5432/maestro");
  }

  @Test
  void aVerticleConfigWinsOverTheEnvironment() {
    MaestroConfig c = MaestroConfig.of(new JsonObject().put("MAESTRO_HTTP_PORT", "0"));
    assertThat(c.httpPort()).isZero();
  }

  @Test
  void aBadNumberIsAStartupErrorNamingTheVariable() {
    MaestroConfig c = MaestroConfig.of(new JsonObject().put("MAESTRO_HTTP_PORT", "eighty"));
    org.assertj.core.api.Assertions.assertThatThrownBy(c::httpPort).isInstanceOf(StartupException.class)
        .hasMessageContaining("MAESTRO_HTTP_PORT").hasMessageContaining("eighty");
  }

  @Test
  void passwordsAreRedactedFromUrlsInMessages() {
    assertThat(Database.redact("postgresql://maestro:s3cret@db:5432/maestro")).isEqualTo("postgresql://maestro:***@db:5432/maestro");
  }
}
