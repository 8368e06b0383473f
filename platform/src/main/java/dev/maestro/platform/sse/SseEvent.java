package dev.maestro.platform.sse;

/**
 * One dispatched server-sent event; {@code event} is null when the stream did not name it. The id and
 * retry a stream sent are kept by its {@link SseParser} ({@code lastEventId()}, {@code retryMillis()}).
 */
public record SseEvent(String event, String data) {
  /** The event type as EventSource reports it: "message" when the stream named none. */
  public String type() {
    return event == null || event.isEmpty() ? "message" : event;
  }
}
