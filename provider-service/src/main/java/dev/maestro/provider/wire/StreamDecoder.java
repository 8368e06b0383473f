package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseEvent;

import java.nio.charset.StandardCharsets;

/** Turns one provider's SSE events into normalized events; one instance per stream attempt. */
public interface StreamDecoder {
  void onEvent(SseEvent event);

  /**
   * One event as {@link ByteSseParser} hands it out: its name (or null) and the UTF-8 bytes of its
   * joined data, valid only during the call. Decoders read hot deltas straight from the bytes and
   * decode everything else as {@link #onEvent(SseEvent)} does; the events they emit are the same.
   */
  default void onEvent(String event, byte[] data, int length) {
    onEvent(new SseEvent(event, new String(data, 0, length, StandardCharsets.UTF_8)));
  }

  /** The body ended: if the provider's terminal event was not seen, this reports a cut. */
  void onEnd();
}
