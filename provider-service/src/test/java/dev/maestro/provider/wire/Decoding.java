package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseParser;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Feeds a raw SSE body through parser + decoder in chunks of a given size and records the events. */
final class Decoding {
  private Decoding() {}

  static List<JsonObject> decode(WireAdapter adapter, String raw, int chunkSize) {
    List<JsonObject> out = new ArrayList<>();
    StreamDecoder decoder = adapter.decoder(new Recorder(out));
    SseParser parser = new SseParser(decoder::onEvent);
    byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += chunkSize) {
      parser.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunkSize)));
    }
    parser.end();
    decoder.onEnd();
    return out;
  }

  /** Inserts SSE comments / keep-alives between events, as proxies and providers do. */
  static String withKeepAlives(String raw, String separator) {
    return raw.replace(separator + separator, separator + separator + ": keep-alive" + separator + separator);
  }

  static final class Recorder implements EventSink {
    final List<JsonObject> out;

    Recorder(List<JsonObject> out) {
      this.out = out;
    }

    @Override public void text(String text) { out.add(new JsonObject().put("type", "text").put("text", text)); }
    @Override public void thinking(String text) { out.add(new JsonObject().put("type", "thinking").put("text", text)); }
    @Override public void thinkingSignature(String s) { out.add(new JsonObject().put("type", "signature").put("signature", s)); }
    @Override public void redactedThinking(String d) { out.add(new JsonObject().put("type", "redacted").put("data", d)); }

    @Override
    public void toolCall(String id, String name, JsonObject arguments, String signature) {
      out.add(new JsonObject().put("type", "tool_call").put("id", id).put("name", name).put("arguments", arguments)
          .put("signature", signature));
    }

    @Override
    public void usage(long input, long output, long cacheRead, long cacheWrite) {
      out.add(new JsonObject().put("type", "usage").put("in", input).put("out", output).put("cacheRead", cacheRead)
          .put("cacheWrite", cacheWrite));
    }

    @Override
    public void done(String stopReason, String raw) {
      out.add(new JsonObject().put("type", "done").put("stopReason", stopReason).put("raw", raw));
    }

    @Override
    public void fail(UpstreamError error) {
      out.add(new JsonObject().put("type", "fail").put("status", error.status()).put("errType", error.type())
          .put("message", error.message()));
    }
  }
}
