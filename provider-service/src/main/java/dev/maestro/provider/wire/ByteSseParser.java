package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseParser;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The provider stream's {@code text/event-stream} parser: the rules of the platform {@link SseParser}
 * (WHATWG: LF, CR or CRLF line ends, even split across buffers; {@code :} comments / keep-alives;
 * several {@code data:} lines joined with LF; dispatch on a blank line; a leading UTF-8 BOM skipped;
 * the same caps and {@link SseParser.TooLarge}), but without a String per line: network buffers are
 * read in place and copied in bulk into one reused line array, field names are compared as bytes, and an event's data
 * reaches the {@link Events} sink as the UTF-8 bytes of a reused array, so a decoder can read the
 * fields it needs straight from them (see {@link StreamDecoder#onEvent(String, byte[], int)}). A
 * UTF-8 sequence split across buffers is never cut: nothing is decoded before a line is whole.
 *
 * <p>{@code id:} and {@code retry:} are ignored: a provider stream is never resumed. Not thread-safe:
 * one parser per stream attempt, on its event loop.
 */
public final class ByteSseParser {
  /** Where dispatched events go; {@code data} is only valid during the call (the array is reused). */
  @FunctionalInterface
  public interface Events {
    void onEvent(String event, byte[] data, int length);
  }

  /** Reads 8 bytes of an array as one long, to look for line ends a word at a time. */
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};

  private final Events sink;
  private final int maxLineBytes;
  /** A network buffer's bytes when it has no array to read in place (one bulk copy into a reused array). */
  private byte[] in = new byte[0];
  private byte[] line = new byte[512];
  private int len;
  private boolean lastWasCr;
  /** How many bytes of a leading UTF-8 BOM were seen (-1: past the start of the stream). */
  private int bom;
  private byte[] data = new byte[512];
  /** The joined data's length, or -1 while the event has no data line. */
  private int dataLen = -1;
  private String event;
  /** The last event name decoded and its bytes: most streams repeat a few names, each is decoded once. */
  private String lastEvent = "";
  private byte[] lastEventBytes = new byte[0];
  private boolean spent;

  public ByteSseParser(Events sink) {
    this(sink, SseParser.DEFAULT_MAX_LINE_BYTES);
  }

  /** {@code maxLineBytes}: the longest line, and the longest joined data of one event. */
  public ByteSseParser(Events sink, int maxLineBytes) {
    if (maxLineBytes <= 0) throw new IllegalArgumentException("maxLineBytes must be > 0");
    this.sink = sink;
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * The HTTP client's buffers are heap buffers: their bytes are read in place (no copy); any other
   * buffer is copied once into a reused array.
   */
  public void feed(Buffer chunk) {
    if (chunk instanceof BufferInternal internal) {
      ByteBuf bytes = internal.getByteBuf();
      if (bytes.hasArray()) {
        feed(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
        return;
      }
    }
    int n = chunk.length();
    if (in.length < n) in = new byte[Math.max(n, in.length * 2)];
    chunk.getBytes(0, n, in, 0);
    feed(in, 0, n);
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  public void feed(byte[] b, int off, int length) {
    if (spent) throw new SseParser.TooLarge("an SSE line longer than " + maxLineBytes + " bytes");
    int i = off;
    int end = off + length;
    while (bom >= 0 && i < end) {
      // a UTF-8 BOM may start the stream (even split across buffers); it is not part of a field name
      if (b[i] == BOM[bom]) {
        i++;
        if (++bom == BOM.length) bom = -1;
      } else {
        append(BOM, 0, bom);
        bom = -1;
      }
    }
    while (i < end) {
      if (lastWasCr) {
        lastWasCr = false;
        if (b[i] == '\n') {
          i++;
          continue;
        }
      }
      int j = lineEnd(b, i, end);
      append(b, i, j - i);
      if (j == end) return;
      lastWasCr = b[j] == '\r';
      endLine();
      i = j + 1;
    }
  }

  /**
   * The first CR or LF in {@code b[from, end)}, or end. Eight bytes at a time (a word has a zero byte
   * after XOR with a terminator repeated when it holds that terminator): lines are mostly long JSON.
   */
  static int lineEnd(byte[] b, int from, int end) {
    int j = from;
    for (; j + 8 <= end; j += 8) {
      long x = (long) LONGS.get(b, j);
      long lf = x ^ 0x0A0A0A0A0A0A0A0AL;
      long cr = x ^ 0x0D0D0D0D0D0D0D0DL;
      if (((((lf - ONES) & ~lf) | ((cr - ONES) & ~cr)) & HIGHS) != 0) break;
    }
    while (j < end && b[j] != '\n' && b[j] != '\r') j++;
    return j;
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

  private void append(byte[] b, int off, int n) {
    if (n == 0) return;
    if (len + n > maxLineBytes) tooLarge("an SSE line longer than " + maxLineBytes + " bytes");
    if (len + n > line.length) line = Arrays.copyOf(line, (int) Math.min(Math.max((long) line.length * 2, len + n), maxLineBytes));
    System.arraycopy(b, off, line, len, n);
    len += n;
  }

  private void endLine() {
    int n = len;
    len = 0;
    if (n == 0) {
      dispatch();
      return;
    }
    if (line[0] == ':') return;
    int colon = 0;
    while (colon < n && line[colon] != ':') colon++;
    int value = colon == n ? n : colon + 1 < n && line[colon + 1] == ' ' ? colon + 2 : colon + 1;
    if (is(DATA, colon)) data(value, n - value);
    else if (is(EVENT, colon)) event = eventName(value, n - value);
    // id, retry and unknown fields: ignored (see the class comment)
  }

  private boolean is(byte[] name, int length) {
    return length == name.length && Arrays.equals(line, 0, length, name, 0, length);
  }

  private void data(int from, int n) {
    int sep = dataLen < 0 ? 0 : 1;
    int joined = Math.max(0, dataLen) + sep + n;
    if (joined > maxLineBytes && chars(from, n, sep) > maxLineBytes) {
      tooLarge("an SSE event's data larger than " + maxLineBytes + " bytes");
    }
    if (joined > data.length) data = Arrays.copyOf(data, Math.max(joined, data.length * 2));
    if (sep == 1) data[dataLen++] = '\n';
    else dataLen = 0;
    System.arraycopy(line, from, data, dataLen, n);
    dataLen += n;
  }

  /**
   * The joined data's length in chars, as the platform parser caps it (in UTF-16 chars, never more
   * than bytes); only computed when the bytes are over the cap.
   */
  private long chars(int from, int n, int sep) {
    long c = sep + new String(line, from, n, StandardCharsets.UTF_8).length();
    return dataLen <= 0 ? c : c + new String(data, 0, dataLen, StandardCharsets.UTF_8).length();
  }

  private String eventName(int from, int n) {
    if (!Arrays.equals(line, from, from + n, lastEventBytes, 0, lastEventBytes.length)) {
      lastEventBytes = Arrays.copyOfRange(line, from, from + n);
      lastEvent = new String(lastEventBytes, StandardCharsets.UTF_8);
    }
    return lastEvent;
  }

  private void tooLarge(String message) {
    spent = true;
    len = 0;
    line = new byte[0];
    data = new byte[0];
    dataLen = -1;
    throw new SseParser.TooLarge(message);
  }

  private void dispatch() {
    String ev = event;
    event = null;
    if (dataLen < 0) return;
    int n = dataLen;
    dataLen = -1;
    sink.onEvent(ev, data, n);
  }
}
