package dev.maestro.session;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted provider-service speaking the ProviderService contract: each stream() takes the next
 * script and sends its events to the reply address, in order; a {@code hold} step waits until the
 * test releases it or the stream is cancelled (then the terminal event is error/cancelled).
 */
public class FakeProvider implements ProviderService {
  public sealed interface Step permits Event, Hold {}
  public record Event(JsonObject body) implements Step {}
  public record Hold(String name) implements Step {}

  private final Vertx vertx;
  private final ConcurrentLinkedQueue<List<Step>> scripts = new ConcurrentLinkedQueue<>();
  public final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  public final List<String> cancelled = new CopyOnWriteArrayList<>();
  /** The stream id of each request, in the order of {@link #requests}. */
  public final List<String> streamIds = new CopyOnWriteArrayList<>();
  private final Map<String, Promise<Void>> holds = new ConcurrentHashMap<>();
  private final Map<String, Promise<Void>> streams = new ConcurrentHashMap<>();

  public FakeProvider(Vertx vertx) {
    this.vertx = vertx;
  }

  /** When set: the cluster node named as serving each stream (ProviderEvents.NODE_HEADER on its first event). */
  public volatile String servedBy;

  /** Used when no script is queued: builds the steps from the request. */
  public volatile java.util.function.Function<JsonObject, List<Step>> fallback;

  public FakeProvider script(Step... steps) {
    scripts.add(List.of(steps));
    return this;
  }

  public static Step text(String t) { return new Event(new JsonObject().put("type", ProviderEvents.TEXT).put("text", t)); }
  public static Step thinking(String t, String sig) {
    JsonObject e = new JsonObject().put("type", ProviderEvents.THINKING).put("text", t);
    if (sig != null) e.put("signature", sig);
    return new Event(e);
  }
  public static Step redacted(String data) {
    return new Event(new JsonObject().put("type", ProviderEvents.THINKING).put("text", "").put("redactedData", data));
  }
  public static Step toolCall(String id, String name, JsonObject args) {
    return new Event(new JsonObject().put("type", ProviderEvents.TOOL_CALL).put("id", id).put("name", name).put("arguments", args));
  }
  public static Step usage(long in, long out) {
    return new Event(new JsonObject().put("type", ProviderEvents.USAGE).put("inputTokens", in).put("outputTokens", out)
        .put("cacheReadTokens", 0).put("cacheWriteTokens", 0));
  }
  public static Step done(String reason) { return new Event(new JsonObject().put("type", ProviderEvents.DONE).put("stopReason", reason)); }
  public static Step error(String code, String msg) {
    return new Event(new JsonObject().put("type", ProviderEvents.ERROR).put("code", code).put("message", msg));
  }
  public static Step hold(String name) { return new Hold(name); }

  public void reset() {
    scripts.clear();
    requests.clear();
    cancelled.clear();
  }

  public void release(String name) {
    holds.computeIfAbsent(name, k -> Promise.promise()).tryComplete();
  }

  @Override
  public Future<Void> stream(JsonObject request, String replyAddress, String streamId) {
    streamIds.add(streamId);
    requests.add(request);
    if ("unreachable".equals(request.getString("provider"))) {
      return io.vertx.serviceproxy.ServiceException.fail(502, "upstream connection refused");
    }
    List<Step> script = scripts.poll();
    if (script == null && fallback != null) script = fallback.apply(request);
    if (script == null) script = List.of(text("(no script)"), done("end_turn"));
    Promise<Void> cancel = Promise.promise();
    streams.put(streamId, cancel);
    List<Step> steps = script;
    vertx.runOnContext(v -> play(steps, 0, replyAddress, streamId, cancel));
    return Future.succeededFuture();
  }

  private void play(List<Step> steps, int i, String address, String streamId, Promise<Void> cancel) {
    if (cancel.future().isComplete()) {
      vertx.eventBus().send(address, ProviderEvents.error(streamId, ProviderEvents.CANCELLED, "cancelled"));
      return;
    }
    if (i >= steps.size()) return;
    Step s = steps.get(i);
    if (s instanceof Event e) {
      io.vertx.core.eventbus.DeliveryOptions options = new io.vertx.core.eventbus.DeliveryOptions();
      if (i == 0 && servedBy != null) options.addHeader(ProviderEvents.NODE_HEADER, servedBy);
      vertx.eventBus().send(address, e.body().copy().put("streamId", streamId), options);
      play(steps, i + 1, address, streamId, cancel);
    } else if (s instanceof Hold h) {
      Future.any(holds.computeIfAbsent(h.name(), k -> Promise.promise()).future(), cancel.future())
          .onComplete(ar -> play(steps, i + 1, address, streamId, cancel));
    }
  }

  @Override
  public Future<Void> cancel(String streamId) {
    cancelled.add(streamId);
    Promise<Void> p = streams.get(streamId);
    if (p != null) p.tryComplete();
    return Future.succeededFuture();
  }

  @Override
  public Future<List<JsonObject>> listModels(String provider, String credentialId) {
    return Future.succeededFuture(Collections.emptyList());
  }

  @Override
  public Future<JsonObject> validateCredential(String credentialId) {
    return Future.succeededFuture(new JsonObject().put("ok", true));
  }

  public List<JsonObject> requestsCopy() {
    return new ArrayList<>(requests);
  }
}
