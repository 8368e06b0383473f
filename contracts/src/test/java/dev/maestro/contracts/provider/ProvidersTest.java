package dev.maestro.contracts.provider;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one provider list, and the message and pattern made from it. */
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
}
