package dev.maestro.contracts.provider;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one provider list, the message and pattern made from it, and the default endpoints. */
class ProvidersTest {

  @Test
  void theListMessageAndPatternAgree() {
    assertEquals("anthropic, openai, gemini, openai-compatible", Providers.ONE_OF);
    Pattern p = Pattern.compile(Providers.PATTERN);
    for (String name : Providers.ALL) {
      assertTrue(p.matcher(name).matches(), name);
      assertTrue(Providers.isKnown(name), name);
    }
    for (String bad : new String[] {"", "OpenAI", "openai-", "openai-compatiblex", "anthropic|openai", "azure", null}) {
      assertFalse(Providers.isKnown(bad), String.valueOf(bad));
      if (bad != null) assertFalse(p.matcher(bad).matches(), bad);
    }
  }

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
