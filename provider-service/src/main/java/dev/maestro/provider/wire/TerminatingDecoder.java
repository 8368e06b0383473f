package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What every wire's decoder shares: a stream ends exactly once, with usage (when reported) then
 * done, or with a failure; events after that are ignored, because {@link EventSink} consumers treat
 * done and fail as final.
 */
abstract class TerminatingDecoder implements StreamDecoder {
  /** Token counts as the sink takes them; null where a provider reported none. */
  record Usage(long input, long output, long cacheRead, long cacheWrite) {}

  protected final EventSink sink;
  private boolean finished;

  TerminatingDecoder(EventSink sink) {
    this.sink = sink;
  }

  @Override
  public final void onEvent(SseEvent ev) {
    if (!finished) decode(ev);
  }

  @Override
  public final void onEvent(String event, byte[] data, int length) {
    if (finished) return;
    boolean decoded;
    try {
      decoded = decodeFast(event, data, length);
    } catch (IOException e) {
      decoded = false; // not JSON, or not as the fast path reads it: the tree path decides
    }
    if (!decoded) decode(new SseEvent(event, new String(data, 0, length, StandardCharsets.UTF_8)));
  }

  @Override
  public final void onEnd() {
    if (!finished) endedEarly();
  }

  /** One SSE event of a stream that has not ended yet. */
  protected abstract void decode(SseEvent ev);

  /**
   * The fast path ({@link FastJson}): decodes the event from its data bytes and returns true, or
   * returns false (or throws) having emitted nothing, and {@link #decode(SseEvent)} runs. It must
   * emit exactly what {@code decode} would for the event it takes.
   */
  protected boolean decodeFast(String event, byte[] data, int length) throws IOException {
    return false;
  }

  /**
   * The body ended before the wire's terminal event: either {@link #complete} (the wire counts what
   * was seen as whole) or {@link #cut}.
   */
  protected abstract void endedEarly();

  protected final void complete(Usage usage, String stopReason, String rawStopReason) {
    finished = true;
    if (usage != null) sink.usage(usage.input(), usage.output(), usage.cacheRead(), usage.cacheWrite());
    sink.done(stopReason, rawStopReason);
  }

  protected final void fail(UpstreamError error) {
    finished = true;
    sink.fail(error);
  }

  protected final void cut(String message) {
    fail(UpstreamError.transport(UpstreamError.STREAM_CUT, message));
  }
}
