package dev.maestro.platform.sse;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SSE rules MCP resumption depends on (WHATWG EventSource parsing), line by line (moved from tool-service). */
class SseLinesTest {
  static List<SseEvent> feed(SseLines p, String... lines) {
    List<SseEvent> out = new ArrayList<>();
    for (String l : lines) {
      SseEvent e = p.line(l);
      if (e != null) out.add(e);
    }
    return out;
  }

  @Test
  void primingEventSetsIdAndRetryButDispatchesNothing() {
    SseLines p = new SseLines(1000);
    assertThat(feed(p, "id: event-1", "retry: 500", "data: ", "")).isEmpty();
    assertThat(p.lastEventId()).isEqualTo("event-1");
    assertThat(p.retryMillis()).isEqualTo(500);
  }

  @Test
  void dataLinesJoinWithNewlinesAndTypeDefaultsToMessage() {
    SseLines p = new SseLines(1000);
    List<SseEvent> events = new ArrayList<>();
    List<String> idAtEvent = new ArrayList<>();
    for (String l : List.of(": a comment", "data: {\"a\":", "data:1}", "id: 7", "", "event: other", "data: x", "")) {
      SseEvent e = p.line(l);
      if (e != null) {
        events.add(e);
        idAtEvent.add(p.lastEventId());
      }
    }
    assertThat(events).containsExactly(new SseEvent(null, "{\"a\":\n1}"), new SseEvent("other", "x"));
    assertThat(events).extracting(SseEvent::type).containsExactly("message", "other");
    assertThat(idAtEvent).containsExactly("7", "7");
  }

  @Test
  void badRetryAndIdsWithNulAreIgnored() {
    SseLines p = new SseLines(1000);
    feed(p, "retry: 300", "", "retry: soon", "retry: -1", "id: ok", "", "id: bad\0id", "data: y", "");
    assertThat(p.retryMillis()).isEqualTo(300);
    assertThat(p.lastEventId()).isEqualTo("ok");
  }

  @Test
  void anOversizedEventIsRefused() {
    SseLines p = new SseLines(10);
    assertThatThrownBy(() -> feed(p, "data: 0123456789abc")).hasMessageContaining("larger than 10");
  }

  @Test
  void manyLinesCannotJoinIntoAnEventOverTheCapAndTheParserStaysSpent() {
    SseLines p = new SseLines(10);
    assertThatThrownBy(() -> feed(p, "data: 01234", "data: 56789")).isInstanceOf(SseParser.TooLarge.class);
    assertThatThrownBy(() -> p.line("")).isInstanceOf(SseParser.TooLarge.class);
  }
}
