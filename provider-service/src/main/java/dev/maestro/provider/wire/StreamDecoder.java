package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseEvent;

/** Turns one provider's SSE events into normalized events; one instance per stream attempt. */
public interface StreamDecoder {
  void onEvent(SseEvent event);

  /** The body ended: if the provider's terminal event was not seen, this reports a cut. */
  void onEnd();
}
