package dev.maestro.provider.sse;

/** One dispatched server-sent event; {@code event} is null when the stream did not name it. */
public record SseEvent(String event, String data) {}
