package dev.maestro.tool.mcp;

/**
 * Server-sent events, line by line, as the WHATWG EventSource parses them: {@code data:} lines join
 * with "\n", {@code id:} sets the last event id (also for an event without data: MCP servers send a
 * data-less "priming" event just to hand out an id to resume from), {@code retry:} sets the
 * reconnection delay, comments and unknown fields are ignored.
 */
final class SseEventParser {
  /** One dispatched event; {@code type} is "message" when the server named none. */
  record Event(String id, String type, String data) {}

  private final int maxEventChars;
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String type;
  private String idBuffer;
  private String lastEventId;
  private long retryMillis = -1;

  SseEventParser(int maxEventChars) {
    this.maxEventChars = maxEventChars;
  }

  /** The id of the last event seen on this stream (what Last-Event-ID resumes from), or null. */
  String lastEventId() { return lastEventId; }

  /** The last {@code retry:} value in ms, or -1 when the server sent none. */
  long retryMillis() { return retryMillis; }

  /** Feeds one line (without its terminator); returns the event a blank line completes, or null. */
  Event line(String line) {
    if (line.isEmpty()) return dispatch();
    if (line.startsWith(":")) return null;
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) value = value.substring(1);
    switch (field) {
      case "data" -> {
        if (data.length() + value.length() > maxEventChars) {
          throw new IllegalStateException("SSE event larger than " + maxEventChars + " characters");
        }
        if (hasData) data.append('\n');
        data.append(value);
        hasData = true;
      }
      case "event" -> type = value;
      case "id" -> {
        if (value.indexOf('\0') < 0) idBuffer = value;
      }
      case "retry" -> {
        if (!value.isEmpty() && value.length() < 10 && value.chars().allMatch(Character::isDigit)) {
          retryMillis = Long.parseLong(value);
        }
      }
      default -> { }
    }
    return null;
  }

  private Event dispatch() {
    if (idBuffer != null) lastEventId = idBuffer;
    String t = type == null || type.isEmpty() ? "message" : type;
    Event e = hasData && data.length() > 0 ? new Event(lastEventId, t, data.toString()) : null;
    data.setLength(0);
    hasData = false;
    type = null;
    return e;
  }
}
