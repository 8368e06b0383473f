package dev.maestro.provider;

import dev.maestro.platform.StartupException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** provider-service settings go through the common reader: a bad value is a start-up error, not an IllegalArgumentException. */
class ProviderSettingsTest {
  @Test
  void defaultsAndSizesWithSuffixes() {
    ProviderSettings s = ProviderSettings.from(new JsonObject().put(ProviderSettings.MAX_SSE_LINE_BYTES, "64k"));
    assertThat(s.maxSseLineBytes()).isEqualTo(65536);
    assertThat(s.maxResponseBytes()).isEqualTo(32L << 20);
    assertThat(s.maxRetries()).isEqualTo(2);
  }

  @Test
  void aBadValueIsAStartupErrorNamingTheVariable() {
    assertThatThrownBy(() -> ProviderSettings.from(new JsonObject().put(ProviderSettings.IDLE_TIMEOUT_MS, "2m")))
        .isExactlyInstanceOf(StartupException.class)
        .hasMessage("MAESTRO_PROVIDER_IDLE_TIMEOUT_MS must be a whole number of at least 1, got '2m'");
    assertThatThrownBy(() -> ProviderSettings.from(new JsonObject().put(ProviderSettings.MAX_SSE_LINE_BYTES, "0")))
        .isExactlyInstanceOf(StartupException.class).hasMessageContaining("MAESTRO_PROVIDER_MAX_SSE_LINE_BYTES");
  }
}
