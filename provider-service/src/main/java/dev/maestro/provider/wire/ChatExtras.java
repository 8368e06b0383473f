package dev.maestro.provider.wire;

import java.util.Set;

/**
 * Keys of {@code ChatRequest.extras} that provider-service interprets itself; every other key is
 * copied verbatim into the upstream request body (e.g. {@code thinking}, {@code top_p},
 * {@code tool_choice}, {@code reasoning}, {@code generationConfig} overrides go in as given).
 */
public final class ChatExtras {
  private ChatExtras() {}

  /** {@code "chat"} or {@code "responses"}: which OpenAI API to use (default: by model). */
  public static final String OPENAI_API = "openaiApi";
  /** Anthropic beta names (array of strings) sent as {@code anthropic-beta}. */
  public static final String BETAS = "betas";

  public static final Set<String> RESERVED = Set.of(OPENAI_API, BETAS);
}
