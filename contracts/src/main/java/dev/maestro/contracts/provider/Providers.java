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

  public static final List<String> ALL = List.of(ANTHROPIC, OPENAI, GEMINI, OPENAI_COMPATIBLE);

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
