package dev.maestro.tool.mcp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SSE rules the resumption depends on (WHATWG EventSource parsing). */
class SseEventParserTest {
  static List<SseEventParser.Event> feed(SseEventParser p, String... lines) {
    List<SseEventParser.Event> out = new ArrayList<>();
    for (String l : lines) {
      SseEventParser.Event e = p.line(l);
      if (e != null) out.add(e);
    }
    return out;
  }

  @Test
  void primingEventSetsIdAndRetryButDispatchesNothing() {
    SseEventParser p = new SseEventParser(1000);
    assertThat(feed(p, "id: event-1", "retry: 500", "data: ", "")).isEmpty();
    assertThat(p.lastEventId()).isEqualTo("event-1");
    assertThat(p.retryMillis()).isEqualTo(500);
  }

  @Test
  void dataLinesJoinWithNewlinesAndTypeDefaultsToMessage() {
    SseEventParser p = new SseEventParser(1000);
    List<SseEventParser.Event> events = feed(p, ": a comment", "data: {\"a\":", "data:1}", "id: 7", "", "event: other", "data: x", "");
    assertThat(events).containsExactly(new SseEventParser.Event("7", "message", "{\"a\":\n1}"),
        new SseEventParser.Event("7", "other", "x"));
  }

  @Test
  void badRetryAndIdsWithNulAreIgnored() {
    SseEventParser p = new SseEventParser(1000);
    feed(p, "retry: 300", "", "retry: soon", "retry: -1", "id: ok", "", "id: bad\0id", "data: y", "");
    assertThat(p.retryMillis()).isEqualTo(300);
    assertThat(p.lastEventId()).isEqualTo("ok");
  }

  @Test
  void anOversizedEventIsRefused() {
    SseEventParser p = new SseEventParser(10);
    assertThatThrownBy(() -> feed(p, "data: 0123456789abc")).hasMessageContaining("larger than 10");
  }
}
