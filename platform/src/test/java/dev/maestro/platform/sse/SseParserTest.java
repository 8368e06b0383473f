package dev.maestro.platform.sse;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The byte-level SSE parser provider streams go through (moved from provider-service). */
class SseParserTest {

  private static List<SseEvent> parse(byte[] bytes, int... cuts) {
    List<SseEvent> out = new ArrayList<>();
    SseParser p = new SseParser(out::add);
    int from = 0;
    for (int cut : cuts) {
      p.feed(Arrays.copyOfRange(bytes, from, cut));
      from = cut;
    }
    p.feed(Arrays.copyOfRange(bytes, from, bytes.length));
    p.end();
    return out;
  }

  private static List<SseEvent> parseBytewise(byte[] bytes) {
    List<SseEvent> out = new ArrayList<>();
    SseParser p = new SseParser(out::add);
    for (byte b : bytes) p.feed(new byte[] {b});
    p.end();
    return out;
  }

  @Test
  void utf8SequencesSplitAcrossNetworkChunksStayIntact() {
    String text = "héllo ✓ 😀 日本語";
    byte[] bytes = ("event: delta\ndata: {\"t\":\"" + text + "\"}\n\n").getBytes(StandardCharsets.UTF_8);
    List<SseEvent> expected = List.of(new SseEvent("delta", "{\"t\":\"" + text + "\"}"));
    assertThat(parseBytewise(bytes)).isEqualTo(expected);
    for (int cut = 1; cut < bytes.length; cut++) {
      assertThat(parse(bytes, cut)).as("cut at %d", cut).isEqualTo(expected);
    }
  }

  @Test
  void commentsAndKeepAlivesAreIgnored() {
    byte[] bytes = (": this is a comment\n\n:keep-alive\n\ndata: a\n: inline comment\ndata: b\n\n: ping\n\n")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(parseBytewise(bytes)).containsExactly(new SseEvent(null, "a\nb"));
  }

  @Test
  void crlfAndCrLineEndingsEvenWhenSplitBetweenCrAndLf() {
    byte[] crlf = "data: {\"a\":1}\r\n\r\ndata: {\"b\":2}\r\n\r\n".getBytes(StandardCharsets.UTF_8);
    List<SseEvent> expected = List.of(new SseEvent(null, "{\"a\":1}"), new SseEvent(null, "{\"b\":2}"));
    for (int cut = 1; cut < crlf.length; cut++) {
      assertThat(parse(crlf, cut)).as("cut at %d", cut).isEqualTo(expected);
    }
    assertThat(parse("data: x\r\rdata: y\r\r".getBytes(StandardCharsets.UTF_8)))
        .containsExactly(new SseEvent(null, "x"), new SseEvent(null, "y"));
  }

  @Test
  void fieldsFollowTheSpec() {
    byte[] bytes = ("\uFEFFevent: message_start\ndata:no-space\nid: 7\nretry: 100\nunknown: x\n\n"
        + "event: only-a-name\n\n" + "data\n\n").getBytes(StandardCharsets.UTF_8);
    // BOM skipped; one optional space after the colon; an event without data is not dispatched;
    // "data" alone is an empty data line
    assertThat(parseBytewise(bytes)).containsExactly(new SseEvent("message_start", "no-space"), new SseEvent(null, ""));
  }

  @Test
  void atEndCompleteLinesAreDispatchedButATruncatedLastLineIsDropped() {
    assertThat(parse("data: complete\n".getBytes(StandardCharsets.UTF_8))).containsExactly(new SseEvent(null, "complete"));
    assertThat(parse("data: one\n\ndata: trunc".getBytes(StandardCharsets.UTF_8))).containsExactly(new SseEvent(null, "one"));
  }

  @Test
  void aLineLongerThanTheCapIsRefusedEvenWhenFedByteByByteAndTheParserStaysSpent() {
    List<SseEvent> out = new ArrayList<>();
    SseParser p = new SseParser(out::add, 64);
    p.feed("data: ok\n\n".getBytes(StandardCharsets.UTF_8));
    byte[] line = ("data: " + "x".repeat(200)).getBytes(StandardCharsets.UTF_8);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
      for (byte b : line) p.feed(new byte[] {b});
    }).isInstanceOf(SseParser.TooLarge.class).hasMessageContaining("longer than 64 bytes");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.feed("\n\ndata: more\n\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SseParser.TooLarge.class);
    p.end();
    assertThat(out).containsExactly(new SseEvent(null, "ok"));
  }

  @Test
  void manyShortDataLinesCannotJoinIntoAnEventOverTheCap() {
    SseParser p = new SseParser(ev -> { }, 64);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
      for (int i = 0; i < 20; i++) p.feed("data: 0123456789\n".getBytes(StandardCharsets.UTF_8));
    }).isInstanceOf(SseParser.TooLarge.class).hasMessageContaining("event's data");
  }

  @Test
  void aLineOfExactlyTheCapIsAccepted() {
    List<SseEvent> out = new ArrayList<>();
    SseParser p = new SseParser(out::add, 64);
    p.feed(("data: " + "x".repeat(58) + "\n\n").getBytes(StandardCharsets.UTF_8));
    assertThat(out).containsExactly(new SseEvent(null, "x".repeat(58)));
  }

  @Test
  void idAndRetryAreKeptForResumingAndAVertxBufferIsReadInPlace() {
    List<SseEvent> out = new ArrayList<>();
    SseParser p = new SseParser(out::add);
    p.feed(io.vertx.core.buffer.Buffer.buffer("id: a\nretry: 250\ndata: 1\n\nid: b\0c\ndata: 2\n\nretry: x\n\n"));
    assertThat(out).containsExactly(new SseEvent(null, "1"), new SseEvent(null, "2"));
    assertThat(p.lastEventId()).isEqualTo("a");
    assertThat(p.retryMillis()).isEqualTo(250);
    assertThat(p.events()).isEqualTo(2);
  }
}
