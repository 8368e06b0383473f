package dev.maestro.contracts.provider;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProvidersTest {
  @Test
  void openAiStyleDefaultsIncludeTheVersionPathOthersDoNot() {
    assertThat(Providers.defaultBaseUrl(Providers.OPENAI)).isEqualTo("https://api.openai.com/v1");
    assertThat(Providers.defaultBaseUrl(Providers.ANTHROPIC)).isEqualTo("https://api.anthropic.com");
    assertThat(Providers.defaultBaseUrl(Providers.GEMINI)).isEqualTo("https://generativelanguage.googleapis.com");
  }

  @Test
  void openAiCompatibleUnknownAndMissingProvidersHaveNoDefault() {
    assertThat(Providers.defaultBaseUrl(Providers.OPENAI_COMPATIBLE)).isNull();
    assertThat(Providers.defaultBaseUrl("nope")).isNull();
    assertThat(Providers.defaultBaseUrl(null)).isNull();
  }

  @Test
  void theListHoldsEachProviderOnce() {
    assertThat(Providers.ALL).containsExactly("anthropic", "openai", "gemini", "openai-compatible");
  }
}
