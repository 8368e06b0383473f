package dev.maestro.provider;

import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.Providers;
import dev.maestro.provider.wire.AnthropicAdapter;
import dev.maestro.provider.wire.ChatExtras;
import dev.maestro.provider.wire.GeminiAdapter;
import dev.maestro.provider.wire.OpenAiChatAdapter;
import dev.maestro.provider.wire.OpenAiResponsesAdapter;
import dev.maestro.provider.wire.WireAdapter;

import java.util.regex.Pattern;

/** Picks the wire adapter for a provider (and, for OpenAI, the API a model needs). */
public final class Adapters {
  /** OpenAI models only served by the Responses API. */
  private static final Pattern RESPONSES_ONLY = Pattern.compile(
      "^(o1-pro|o3-pro|o3-deep-research|o4-mini-deep-research|codex-|gpt-5-codex|gpt-5-pro|computer-use-preview).*");

  private final WireAdapter anthropic = new AnthropicAdapter();
  private final WireAdapter openaiChat = new OpenAiChatAdapter(false);
  private final WireAdapter compatibleChat = new OpenAiChatAdapter(true);
  private final WireAdapter responses = new OpenAiResponsesAdapter();
  private final WireAdapter gemini = new GeminiAdapter();

  /** The adapter for streaming this request, or null for an unknown provider. */
  public WireAdapter forStream(String provider, ChatRequest request) {
    if (Providers.OPENAI.equals(provider)) {
      String api = request.getExtras() == null ? null : request.getExtras().getString(ChatExtras.OPENAI_API);
      if ("responses".equals(api)) return responses;
      if ("chat".equals(api)) return openaiChat;
      return request.getModel() != null && RESPONSES_ONLY.matcher(request.getModel()).matches() ? responses : openaiChat;
    }
    return forModels(provider);
  }

  /** The adapter for model lists and credential checks, or null for an unknown provider. */
  public WireAdapter forModels(String provider) {
    if (provider == null) return null;
    return switch (provider) {
      case Providers.ANTHROPIC -> anthropic;
      case Providers.OPENAI -> openaiChat;
      case Providers.OPENAI_COMPATIBLE -> compatibleChat;
      case Providers.GEMINI -> gemini;
      default -> null;
    };
  }
}
