package dev.maestro.provider.wire;

import io.vertx.core.json.JsonObject;

/** Where a {@link StreamDecoder} puts the normalized events it decodes. */
public interface EventSink {
  void text(String text);

  void thinking(String text);

  /** The signature closing a thinking block (Anthropic), to send back with it. */
  void thinkingSignature(String signature);

  /** An Anthropic redacted_thinking block's opaque data. */
  void redactedThinking(String data);

  /** A complete tool call; signature is Gemini's thoughtSignature (null elsewhere). */
  void toolCall(String id, String name, JsonObject arguments, String signature);

  void usage(long input, long output, long cacheRead, long cacheWrite);

  /** Normal end; stopReason normalized (end_turn, tool_use, max_tokens, stop_sequence, refusal, pause_turn, other). */
  void done(String stopReason, String rawStopReason);

  /** The stream failed (an in-stream error event, a cut, invalid data). */
  void fail(UpstreamError error);
}
