package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseEvent;
import dev.maestro.platform.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ByteSseParser} against the WHATWG rules, and against the platform {@link SseParser} it
 * replaces on the provider path: the same events for the same bytes however the network cuts them.
 */
class ByteSseParserTest {

  /** Events as (name, data) with the data decoded, so lists compare by value. */
  static List<SseEvent> parse(byte[] body, int... cuts) {
    List<SseEvent> out = new ArrayList<>();
    ByteSseParser parser = new ByteSseParser((event, data, length) -> out.add(new SseEvent(event, new String(data, 0, length, StandardCharsets.UTF_8))));
    int from = 0;
    for (int cut : cuts) {
      parser.feed(Buffer.buffer(Arrays.copyOfRange(body, from, cut)));
      from = cut;
    }
    parser.feed(Arrays.copyOfRange(body, from, body.length));
    parser.end();
    return out;
  }

  static List<SseEvent> reference(byte[] body) {
    List<SseEvent> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    parser.feed(body);
    parser.end();
    return out;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everySplitPointOfASampleStreamGivesTheSameEvents() {
    byte[] body = utf8("\uFEFFevent: content_block_delta\r\ndata: {\"text\":\"Vérifions ☀️… 😀\"}\r\n\r\n"
        + ": keep-alive\n\ndata: first\ndata:second\rdata\r\n\n"
        + "event: ping\nid: 7\nretry: 100\nunknown: x\ndata: {\"type\": \"ping\"}\n\n"
        + "event: lonely\n\ndata: \n\ndata:  two spaces\r\r");
    List<SseEvent> expected = List.of(
        new SseEvent("content_block_delta", "{\"text\":\"Vérifions ☀️… 😀\"}"),
        new SseEvent(null, "first\nsecond\n"),
        new SseEvent("ping", "{\"type\": \"ping\"}"),
        new SseEvent(null, ""),
        new SseEvent(null, " two spaces"));
    assertThat(reference(body)).isEqualTo(expected);
    assertThat(parse(body)).isEqualTo(expected);
    for (int i = 0; i <= body.length; i++) {
      assertThat(parse(body, i)).as("split at %d", i).isEqualTo(expected);
      for (int j = i; j <= body.length; j += 7) assertThat(parse(body, i, j)).as("split at %d and %d", i, j).isEqualTo(expected);
    }
  }

  @Test
  void crlfCrAndLfLineEndsEvenWhenCrlfIsSplit() {
    for (String nl : List.of("\n", "\r", "\r\n")) {
      byte[] body = utf8("event: a" + nl + "data: 1" + nl + nl + "data: 2" + nl + "data: 3" + nl + nl);
      List<SseEvent> expected = List.of(new SseEvent("a", "1"), new SseEvent(null, "2\n3"));
      for (int i = 0; i <= body.length; i++) assertThat(parse(body, i)).as("%s split at %d", nl.length(), i).isEqualTo(expected);
    }
    // a CR ending one buffer and an LF starting the next are one line end, not two (no extra dispatch)
    byte[] body = utf8("data: x\r\ndata: y\r\n\r\n");
    assertThat(parse(body, 8)).containsExactly(new SseEvent(null, "x\ny"));
  }

  @Test
  void buffersAreReadInPlaceFromSlicesAndCopiedFromDirectMemory() {
    byte[] body = utf8("xxdata: é☀️\n\nyy");
    List<SseEvent> out = new ArrayList<>();
    ByteSseParser parser = new ByteSseParser((e, d, n) -> out.add(new SseEvent(e, new String(d, 0, n, StandardCharsets.UTF_8))));
    Buffer whole = Buffer.buffer(body);
    parser.feed(whole.slice(2, 10)); // a heap buffer whose bytes start inside its array
    io.netty.buffer.ByteBuf direct = io.netty.buffer.Unpooled.directBuffer(16);
    direct.writeBytes(body, 10, body.length - 12);
    try {
      parser.feed(io.vertx.core.internal.buffer.BufferInternal.buffer(direct));
    } finally {
      direct.release();
    }
    parser.end();
    assertThat(out).containsExactly(new SseEvent(null, "é☀️"));
  }

  @Test
  void multiLineDataJoinsWithLf() {
    assertThat(parse(utf8("data: {\"a\":\ndata: 1}\n\n"))).containsExactly(new SseEvent(null, "{\"a\":\n1}"));
  }

  @Test
  void commentsAndKeepAlivesAreNotEvents() {
    assertThat(parse(utf8(": keep-alive\n\n:\n\n: ping\ndata: x\n: between\n\n"))).containsExactly(new SseEvent(null, "x"));
  }

  @Test
  void aUtf8SequenceSplitAcrossBuffersAtEveryByteIsWhole() {
    String text = "é☀️😀ü—";
    byte[] body = utf8("data: " + text + "\n\n");
    for (int i = 0; i <= body.length; i++) {
      for (int j = i; j <= body.length; j++) {
        assertThat(parse(body, i, j)).containsExactly(new SseEvent(null, text));
      }
    }
  }

  @Test
  void aByteOrderMarkIsSkippedOnlyAtTheStart() {
    byte[] body = utf8("\uFEFFdata: x\n\n\uFEFFdata: y\n\n");
    assertThat(parse(body, 1)).containsExactly(new SseEvent(null, "x")); // "\uFEFFdata" is not the data field
    assertThat(parse(utf8("\uFEFFdata: x\n\n"), 2)).containsExactly(new SseEvent(null, "x"));
  }

  @Test
  void theEndDropsAnUnterminatedLineAndDispatchesCompleteData() {
    assertThat(parse(utf8("data: whole\ndata: cut"))).containsExactly(new SseEvent(null, "whole"));
    assertThat(parse(utf8("event: e\n"))).isEmpty();
  }

  @Test
  void eventNamesAreKeptPerEventAndReset() {
    assertThat(parse(utf8("event: a\ndata: 1\n\ndata: 2\n\nevent: a\ndata: 3\n\nevent:\ndata: 4\n\n"))).containsExactly(
        new SseEvent("a", "1"), new SseEvent(null, "2"), new SseEvent("a", "3"), new SseEvent("", "4"));
  }

  @Test
  void aLineOrDataOverTheCapThrowsAndThenTheParserIsSpent() {
    List<SseEvent> out = new ArrayList<>();
    ByteSseParser parser = new ByteSseParser((e, d, n) -> out.add(new SseEvent(e, new String(d, 0, n, StandardCharsets.UTF_8))), 16);
    parser.feed(utf8("data: 0123456789\n\n")); // 16 bytes: at the cap, accepted
    assertThat(out).containsExactly(new SseEvent(null, "0123456789"));
    assertThatThrownBy(() -> parser.feed(utf8("data: 01234567890"))).isInstanceOf(SseParser.TooLarge.class)
        .hasMessageContaining("line longer than 16 bytes");
    assertThatThrownBy(() -> parser.feed(utf8("\n"))).isInstanceOf(SseParser.TooLarge.class);
    parser.end();
    assertThat(out).hasSize(1);

    ByteSseParser joined = new ByteSseParser((e, d, n) -> { }, 16);
    assertThatThrownBy(() -> joined.feed(utf8("data: 12345678\ndata: 12345678\n"))).isInstanceOf(SseParser.TooLarge.class)
        .hasMessageContaining("data larger than 16 bytes");
  }

  @Test
  void theDataCapCountsCharsAsThePlatformParserDoes() {
    // joined data of 13 bytes but 7 chars: under a cap of 12 as the platform parser counts
    String s = "data:" + "é".repeat(3) + "\ndata:" + "é".repeat(3) + "\n\n";
    List<SseEvent> ref = new ArrayList<>();
    new SseParser(ref::add, 12).feed(utf8(s));
    List<SseEvent> out = new ArrayList<>();
    new ByteSseParser((e, d, n) -> out.add(new SseEvent(e, new String(d, 0, n, StandardCharsets.UTF_8))), 12).feed(utf8(s));
    assertThat(out).isEqualTo(ref).hasSize(1);
  }

  /** Property: random streams of every kind of line, cut at random, parse as the platform parser parses them whole. */
  @Test
  void randomStreamsCutAnywhereParseAsThePlatformParser() {
    String[] lines = {"data: {\"a\":\"é☀️😀\"}", "data:x", "data", "data: ", "event: content_block_delta", "event:", "event: ping",
        ": keep-alive", ":", "id: 3", "retry: 5", "unknown: z", "", "", "", "data: a:b: c", " data: lead"};
    String[] ends = {"\n", "\r", "\r\n"};
    Random random = new Random(3);
    for (int round = 0; round < 2_000; round++) {
      StringBuilder sb = new StringBuilder(random.nextInt(8) == 0 ? "\uFEFF" : "");
      int n = 1 + random.nextInt(20);
      for (int i = 0; i < n; i++) sb.append(lines[random.nextInt(lines.length)]).append(ends[random.nextInt(ends.length)]);
      if (random.nextBoolean()) sb.append("data: unterminated");
      byte[] body = utf8(sb.toString());
      int[] cuts = random.ints(random.nextInt(6), 0, body.length + 1).sorted().toArray();
      assertThat(parse(body, cuts)).as("%s cut at %s", sb, Arrays.toString(cuts)).isEqualTo(reference(body));
    }
  }
}
