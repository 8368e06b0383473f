package dev.maestro.session;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** ProviderStream and ProviderStreams as plain classes: a recording provider, a hand-moved clock. */
class ProviderStreamTest {
  private final List<String> started = new ArrayList<>();
  private final List<String> cancelled = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000);
  private final ProviderService provider = new ProviderService() {
    @Override public Future<Void> stream(JsonObject request, String replyAddress, String streamId) {
      started.add(streamId + "@" + replyAddress);
      return Future.succeededFuture();
    }
    @Override public Future<Void> cancel(String streamId) {
      cancelled.add(streamId);
      return Future.succeededFuture();
    }
    @Override public Future<List<JsonObject>> listModels(String p, String c) { return Future.succeededFuture(List.of()); }
    @Override public Future<JsonObject> validateCredential(String c) { return Future.succeededFuture(new JsonObject()); }
  };
  private final ProviderStreams streams = new ProviderStreams(provider, "reply.here", now::get);

  private static JsonObject ev(ProviderStream s, String type) {
    return new JsonObject().put("type", type).put("streamId", s.id);
  }

  @Test
  void eventsReachOnlyTheirStreamAndUsageKeepsTheLargestFigures() {
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    ProviderStream sa = streams.open(new JsonObject(), e -> a.add(e.getString("text")));
    ProviderStream sb = streams.open(new JsonObject(), e -> b.add(e.getString("text")));
    assertThat(started).containsExactly(sa.id + "@reply.here", sb.id + "@reply.here");
    streams.dispatch(ev(sa, ProviderEvents.TEXT).put("text", "for a"));
    streams.dispatch(ev(sb, ProviderEvents.TEXT).put("text", "for b"));
    streams.dispatch(new JsonObject().put("type", ProviderEvents.TEXT).put("streamId", "unknown").put("text", "lost"));
    streams.dispatch(ev(sa, ProviderEvents.USAGE).put("inputTokens", 100).put("outputTokens", 5));
    streams.dispatch(ev(sa, ProviderEvents.USAGE).put("inputTokens", 90).put("outputTokens", 40));
    streams.dispatch(ev(sa, ProviderEvents.DONE).put("stopReason", "end_turn"));
    streams.dispatch(ev(sa, ProviderEvents.TEXT).put("text", "late"));
    assertThat(a).containsExactly("for a");
    assertThat(b).containsExactly("for b");
    assertThat(sa.end().result()).isEqualTo("end_turn");
    assertThat(sa.usage()).isEqualTo(new JsonObject().put("inputTokens", 100L).put("outputTokens", 40L)
        .put("cacheReadTokens", 0L).put("cacheWriteTokens", 0L));
    assertThat(streams.openCount()).isEqualTo(1);
  }

  @Test
  void anErrorEventFailsTheStreamWithItsCode() {
    ProviderStream s = streams.open(new JsonObject(), e -> { });
    streams.dispatch(ev(s, ProviderEvents.ERROR).put("code", ProviderEvents.RATE_LIMITED).put("message", "slow down"));
    assertThat(s.end().failed()).isTrue();
    assertThat(((ProviderFailure) s.end().cause()).code).isEqualTo(ProviderEvents.RATE_LIMITED);
    assertThat(streams.openCount()).isZero();
  }

  @Test
  void aSilentStreamIsCancelledUpstreamAndEndsWithTimeout() {
    ProviderStream s = streams.open(new JsonObject(), e -> { });
    now.addAndGet(500);
    streams.cancelIfSilent(s, 1_000);
    assertThat(s.ended()).isFalse();
    streams.dispatch(ev(s, ProviderEvents.TEXT).put("text", "alive"));
    now.addAndGet(1_001);
    streams.cancelIfSilent(s, 1_000);
    assertThat(cancelled).containsExactly(s.id);
    assertThat(((ProviderFailure) s.end().cause()).code).isEqualTo(ProviderEvents.TIMEOUT);
  }
}
