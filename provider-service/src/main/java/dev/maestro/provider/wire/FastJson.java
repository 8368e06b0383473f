package dev.maestro.provider.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The streaming-JSON half of the decoders' fast path: a Jackson {@link JsonParser} straight over an
 * event's UTF-8 data bytes, from which an adapter pulls only the fields a text delta needs (no String
 * for the data, no tree). A fast path either decodes the event exactly as the tree path
 * ({@code Wires.jsonOrNull} + {@code JsonObject}) would, or declines and the tree path runs:
 * <ul>
 *   <li>the parser is configured as Vert.x's own (the same read constraints, comments allowed), and an
 *       adapter reads every token of the document and then checks nothing trails it, so a document
 *       the tree path rejects is rejected here too (any {@link IOException} means: decline);</li>
 *   <li>the tree path decodes the data as a Java String first, which turns malformed UTF-8 into
 *       U+FFFD where Jackson's byte parser would fail or (overlong forms, surrogates) decode it
 *       differently: bytes that are not strictly well-formed UTF-8, or carry a raw control character
 *       JSON never allows, are declined before parsing ({@link #eligible});</li>
 *   <li>a field the tree path reads must have the type it reads it as (a string where it calls
 *       getString ...), and appear once (a tree keeps the last of duplicate keys); anything else, and
 *       every event that is not a hot delta (tool calls, usage, stops, errors, unknown shapes),
 *       declines.</li>
 * </ul>
 */
final class FastJson {
  private FastJson() {}

  private static final JsonFactory FACTORY = factory();
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGHS = 0x8080808080808080L;
  private static final long SPACES = 0x2020202020202020L;

  private static JsonFactory factory() {
    StreamReadConstraints vertx;
    try (JsonParser p = JacksonCodec.createParser("{}")) {
      vertx = p.streamReadConstraints();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // the data is UTF-8 (eligible checked it) and starts with '{': no encoding or BOM detection per event
    JsonFactory f = JsonFactory.builder().streamReadConstraints(vertx).disable(JsonFactory.Feature.CHARSET_DETECTION).build();
    f.configure(JsonParser.Feature.ALLOW_COMMENTS, true); // as JacksonCodec's factory
    return f;
  }

  /**
   * A parser over {@code data[0, length)} standing on the root object's START_OBJECT, or null when the
   * bytes are not for the fast path (not an object, or not strictly valid UTF-8 JSON text).
   */
  static JsonParser open(byte[] data, int length) throws IOException {
    if (length < 2 || data[0] != '{' || !eligible(data, length)) return null;
    JsonParser p = FACTORY.createParser(data, 0, length);
    p.nextToken();
    return p;
  }

  /** After the root object's last field: the object ends and nothing trails it (as Vert.x checks). */
  static boolean end(JsonParser p, JsonToken last) throws IOException {
    return last == JsonToken.END_OBJECT && p.nextToken() == null;
  }

  /** Skips a value the decoder does not read (a scalar is already consumed by nextToken). */
  static void skip(JsonParser p) throws IOException {
    p.skipChildren();
  }

  /**
   * Strictly well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF, nothing
   * truncated), and no C0 control byte but tab, LF and CR (JSON allows no other raw control
   * character anywhere, so such a document is invalid on both paths).
   */
  static boolean eligible(byte[] b, int length) {
    int i = 0;
    while (i < length) {
      // eight ASCII bytes at a time: no high bit set, and none below 0x20 (no borrow out of any byte)
      if (i + 8 <= length) {
        long x = (long) LONGS.get(b, i);
        if ((x & HIGHS) == 0 && ((x - SPACES) & ~x & HIGHS) == 0) {
          i += 8;
          continue;
        }
      }
      int c = b[i];
      if (c >= 0x20) {
        i++;
        continue;
      }
      if (c >= 0) {
        if (c != '\t' && c != '\n' && c != '\r') return false;
        i++;
        continue;
      }
      c &= 0xFF;
      if (c < 0xC2) return false; // a continuation byte, or an overlong 2-byte lead
      if (c < 0xE0) {
        if (i + 1 >= length || !cont(b[i + 1])) return false;
        i += 2;
      } else if (c < 0xF0) {
        if (i + 2 >= length) return false;
        int c1 = b[i + 1] & 0xFF;
        if (c == 0xE0 ? c1 < 0xA0 || c1 > 0xBF : c == 0xED ? c1 < 0x80 || c1 > 0x9F : !cont(b[i + 1])) return false;
        if (!cont(b[i + 2])) return false;
        i += 3;
      } else if (c < 0xF5) {
        if (i + 3 >= length) return false;
        int c1 = b[i + 1] & 0xFF;
        if (c == 0xF0 ? c1 < 0x90 || c1 > 0xBF : c == 0xF4 ? c1 < 0x80 || c1 > 0x8F : !cont(b[i + 1])) return false;
        if (!cont(b[i + 2]) || !cont(b[i + 3])) return false;
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  }

  private static boolean cont(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
