package dev.maestro.contracts.provider;

import java.util.List;

/**
 * Provider names and their default base URLs (API.md convention: OpenAI-style URLs include the
 * version path, Anthropic and Gemini do not). {@code openai-compatible} has no default: its
 * credential must carry a {@code baseUrl}.
 */
public final class Providers {
  private Providers() {}

  public static final String ANTHROPIC = "anthropic";
  public static final String OPENAI = "openai";
  public static final String GEMINI = "gemini";
  public static final String OPENAI_COMPATIBLE = "openai-compatible";

  /** Every provider a credential, a session or an agent may name: the one list the services, the API document and the web UI use. */
  public static final List<String> ALL = List.of(ANTHROPIC, OPENAI, GEMINI, OPENAI_COMPATIBLE);

  /** For messages: "anthropic, openai, gemini, openai-compatible". */
  public static final String ONE_OF = String.join(", ", ALL);

  /** A regular expression matching exactly one provider name (the names hold no regex metacharacters). */
  public static final String PATTERN = String.join("|", ALL);

  public static boolean isKnown(String provider) {
    return provider != null && ALL.contains(provider);
  }

  /** The default base URL, or null (openai-compatible, unknown provider). */
  public static String defaultBaseUrl(String provider) {
    if (provider == null) return null;
    return switch (provider) {
      case ANTHROPIC -> "https://api.anthropic.com";
      case OPENAI -> "https://api.openai.com/v1";
      case GEMINI -> "https://generativelanguage.googleapis.com";
      default -> null;
    };
  }
}
