package dev.maestro.provider.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The word-at-a-time byte scans of the fast path against plain byte-by-byte definitions. */
class FastJsonTest {

  /** What {@link FastJson#eligible} means: the JDK's strict UTF-8 decoder accepts it, and no raw C0 byte but tab, LF, CR. */
  static boolean reference(byte[] b, int length) {
    for (int i = 0; i < length; i++) {
      if (b[i] >= 0 && b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') return false;
    }
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, 0, length));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void eligibleIsStrictUtf8WithoutRawControlBytes() {
    String[] pieces = {"{\"a\":\"", "text ", "é", "☀️", "😀", "\t", "\n", "\u0001", "\u007f", "\uFFFF", "\uD7FF", "\uE000", "\"}"};
    byte[][] bad = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}, {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF}, {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF4, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF}, {(byte) 0xFF}, {0}};
    Random random = new Random(1);
    int eligible = 0;
    for (int round = 0; round < 20_000; round++) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      int n = random.nextInt(12);
      for (int i = 0; i < n; i++) {
        if (random.nextInt(10) == 0) out.writeBytes(bad[random.nextInt(bad.length)]);
        else out.writeBytes(pieces[random.nextInt(pieces.length)].getBytes(StandardCharsets.UTF_8));
      }
      byte[] b = out.toByteArray();
      int length = b.length == 0 ? 0 : random.nextInt(b.length + 1); // a prefix may cut a sequence
      boolean expected = reference(b, length);
      assertThat(FastJson.eligible(b, length)).as("%s", java.util.HexFormat.of().formatHex(b, 0, length)).isEqualTo(expected);
      if (expected) eligible++;
    }
    assertThat(eligible).isBetween(2_000, 18_000); // both answers were exercised
  }

  @Test
  void lineEndFindsTheFirstCrOrLf() {
    Random random = new Random(2);
    byte[] alphabet = {'a', '{', '"', ' ', '\n', '\r', 0, (byte) 0x8A, (byte) 0x8D, 0x0B, 0x0C, 0x1A, 0x1D, (byte) 0xFF};
    for (int round = 0; round < 20_000; round++) {
      byte[] b = new byte[random.nextInt(40)];
      for (int i = 0; i < b.length; i++) b[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('a' + random.nextInt(26));
      int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
      int end = from + (b.length == from ? 0 : random.nextInt(b.length - from + 1));
      int expected = from;
      while (expected < end && b[expected] != '\n' && b[expected] != '\r') expected++;
      assertThat(ByteSseParser.lineEnd(b, from, end)).isEqualTo(expected);
    }
  }
}
