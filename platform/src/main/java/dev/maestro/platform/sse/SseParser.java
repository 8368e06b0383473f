package dev.maestro.platform.sse;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Incremental {@code text/event-stream} parser (WHATWG rules) fed with network chunks as they come.
 * It works on bytes and decodes a line only once it is complete, so a UTF-8 sequence split across
 * chunks is never mangled. Lines end in LF, CR or CRLF (Google's servers use CRLF, even split across
 * chunks); {@code :} lines are comments / keep-alives; several {@code data:} lines join with LF; an
 * event is dispatched on a blank line. {@code id:} and {@code retry:} are kept as EventSource keeps them
 * ({@link #lastEventId()}, {@link #retryMillis()}) for a caller that resumes a stream. Not thread-safe:
 * one parser per stream, on its event loop. Bytes come from {@link #feed(Buffer)} (Vert.x) or
 * {@link #feed(byte[])}; callers that already have lines use {@link #line(String)} or {@link SseLines}.
 *
 * <p>A provider (or any server a member points a base URL at) may send a line without end: a line,
 * or an event's joined {@code data}, longer than {@code maxLineBytes} throws {@link TooLarge} from
 * {@link #feed} (or {@link #line}) instead of growing the buffer, and the parser is spent from then on (the caller
 * ends the stream and drops its connection).
 */
public final class SseParser {
  private final Consumer<SseEvent> sink;
  private byte[] line = new byte[512];
  private int len;
  private boolean lastWasCr;
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  /** How many bytes of a leading UTF-8 BOM were seen (-1: past the start of the stream). */
  private int bom;
  private String event;
  private StringBuilder data;
  private long events;
  private String idBuffer;
  private String lastEventId;
  private long retryMillis = -1;
  private final int maxLineBytes;
  private boolean spent;

  /** The default cap on one line (and one event's data): 1 MiB. */
  public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

  /** A line or an event's data went past the cap. */
  public static final class TooLarge extends RuntimeException {
    public TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  public SseParser(Consumer<SseEvent> sink) {
    this(sink, DEFAULT_MAX_LINE_BYTES);
  }

  public SseParser(Consumer<SseEvent> sink, int maxLineBytes) {
    if (maxLineBytes <= 0) throw new IllegalArgumentException("maxLineBytes must be > 0");
    this.sink = sink;
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * One bulk copy per chunk, then a plain array loop: measured faster than reading the buffer byte by
   * byte through its bounds-checked {@code getByte} on the provider streaming path.
   */
  public void feed(Buffer chunk) {
    feed(chunk.getBytes());
  }

  public void feed(byte[] bytes) {
    checkSpent();
    for (byte b : bytes) step(b);
  }

  private void checkSpent() {
    if (spent) throw new TooLarge("an SSE line longer than " + maxLineBytes + " bytes");
  }

  private void step(byte b) {
    if (bom >= 0) {
      // a UTF-8 BOM may start the stream (even split across chunks); it is not part of a field name
      if (b == BOM[bom]) {
        if (++bom == BOM.length) bom = -1;
        return;
      }
      for (int k = 0; k < bom; k++) append(BOM[k]);
      bom = -1;
    }
    if (b == '\n') {
      if (lastWasCr) {
        lastWasCr = false;
        return;
      }
      endLine();
    } else if (b == '\r') {
      endLine();
      lastWasCr = true;
    } else {
      lastWasCr = false;
      append(b);
    }
  }

  private void append(byte b) {
    if (len == maxLineBytes) tooLarge("an SSE line longer than " + maxLineBytes + " bytes");
    if (len == line.length) line = Arrays.copyOf(line, (int) Math.min((long) len * 2, maxLineBytes));
    line[len++] = b;
  }

  /**
   * The body ended. A last line without its terminator may be truncated and is dropped; complete
   * data lines not yet followed by a blank line are still dispatched (some servers omit it).
   */
  public void end() {
    if (spent) return;
    len = 0;
    dispatch();
  }

  /** Events dispatched so far. */
  public long events() {
    return events;
  }

  /** The id of the last dispatched event (what Last-Event-ID resumes from), or null. */
  public String lastEventId() {
    return lastEventId;
  }

  /** The last valid {@code retry:} value in ms, or -1 when the stream sent none. */
  public long retryMillis() {
    return retryMillis;
  }

  private void endLine() {
    if (len == 0) {
      dispatch();
      return;
    }
    String l = new String(line, 0, len, StandardCharsets.UTF_8);
    len = 0;
    field(l);
  }

  /**
   * One complete line without its terminator, for callers that receive lines rather than bytes;
   * a blank line dispatches. The line is already in memory, so only the joined data (what grows
   * across lines) is held to the cap, counted in chars.
   */
  public void line(String l) {
    checkSpent();
    if (l.isEmpty()) {
      dispatch();
      return;
    }
    field(l);
  }

  private void field(String l) {
    if (l.charAt(0) == ':') return;
    int colon = l.indexOf(':');
    String field = colon < 0 ? l : l.substring(0, colon);
    String value = colon < 0 ? "" : l.substring(colon + 1 < l.length() && l.charAt(colon + 1) == ' ' ? colon + 2 : colon + 1);
    switch (field) {
      case "data" -> {
        if (data == null) data = new StringBuilder(value.length());
        else data.append('\n');
        // UTF-16 length <= UTF-8 length, so the joined data can stay under the byte cap in chars
        if (data.length() + value.length() > maxLineBytes) tooLarge("an SSE event's data larger than " + maxLineBytes + " bytes");
        data.append(value);
      }
      case "event" -> event = value;
      case "id" -> {
        if (value.indexOf('\0') < 0) idBuffer = value;
      }
      case "retry" -> {
        if (!value.isEmpty() && value.length() < 10 && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
          retryMillis = Long.parseLong(value);
        }
      }
      default -> { /* unknown fields are ignored, as the spec says */ }
    }
  }

  private void tooLarge(String message) {
    spent = true;
    len = 0;
    line = new byte[0];
    data = null;
    throw new TooLarge(message);
  }

  private void dispatch() {
    if (idBuffer != null) lastEventId = idBuffer;
    if (data != null) {
      SseEvent ev = new SseEvent(event, data.toString());
      data = null;
      event = null;
      events++;
      sink.accept(ev);
    } else {
      event = null;
    }
  }
}
