package dev.maestro.provider.support;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The events one stream sent to its reply address, as the test thread sees them. */
public final class StreamHandle {
  public final String streamId;
  public final List<JsonObject> events = new CopyOnWriteArrayList<>();
  final CompletableFuture<JsonObject> terminal = new CompletableFuture<>();
  final CompletableFuture<JsonObject> first = new CompletableFuture<>();

  StreamHandle(String streamId) {
    this.streamId = streamId;
  }

  void add(JsonObject ev) {
    events.add(ev);
    first.complete(ev);
    String type = ev.getString("type");
    if ("done".equals(type) || "error".equals(type)) terminal.complete(ev);
  }

  /** Waits for the terminal event, then returns every event received. */
  public List<JsonObject> awaitEnd(Duration timeout) {
    try {
      terminal.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("stream " + streamId + " did not end within " + timeout + "; events: " + events, e);
    }
    return new ArrayList<>(events);
  }

  public List<JsonObject> awaitEnd() {
    return awaitEnd(Duration.ofSeconds(20));
  }

  public JsonObject awaitFirst(Duration timeout) {
    try {
      return first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("no event on stream " + streamId + " within " + timeout, e);
    }
  }

  public JsonObject last() {
    return events.get(events.size() - 1);
  }

  public List<JsonObject> ofType(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).collect(Collectors.toList());
  }

  public String text() {
    return ofType("text").stream().map(e -> e.getString("text")).collect(Collectors.joining());
  }

  public String thinkingText() {
    return ofType("thinking").stream().map(e -> e.getString("text")).collect(Collectors.joining());
  }

  public List<String> types() {
    return events.stream().map(e -> e.getString("type")).collect(Collectors.toList());
  }
}
