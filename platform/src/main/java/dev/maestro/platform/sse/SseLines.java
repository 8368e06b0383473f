package dev.maestro.platform.sse;

/**
 * {@link SseParser} for callers that already have the body cut into lines (java.net.http's
 * {@code BodySubscribers.fromLineSubscriber}): one line in, the event it completes (or null) out. Like
 * EventSource, an event whose data is empty is not handed out, though its id still counts (MCP servers
 * send a data-less "priming" event just to hand out an id to resume from). Not thread-safe.
 */
public final class SseLines {
  private final SseParser parser;
  private SseEvent completed;

  /** {@code maxChars}: the longest line, and the longest joined data of one event. */
  public SseLines(int maxChars) {
    this.parser = new SseParser(e -> completed = e, maxChars);
  }

  /** Feeds one line without its terminator; throws {@link SseParser.TooLarge} past the cap. */
  public SseEvent line(String line) {
    completed = null;
    parser.line(line);
    SseEvent e = completed;
    completed = null;
    return e == null || e.data().isEmpty() ? null : e;
  }

  /** The id of the last event seen on this stream (what Last-Event-ID resumes from), or null. */
  public String lastEventId() {
    return parser.lastEventId();
  }

  /** The last valid {@code retry:} value in ms, or -1 when the server sent none. */
  public long retryMillis() {
    return parser.retryMillis();
  }
}
