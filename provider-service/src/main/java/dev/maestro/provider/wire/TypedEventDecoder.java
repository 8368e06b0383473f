package dev.maestro.provider.wire;

import dev.maestro.platform.sse.SseEvent;
import io.vertx.core.json.JsonObject;

/**
 * A decoder for wires whose events carry their kind in a JSON {@code type} field (Anthropic
 * Messages, OpenAI Responses); both also name the SSE event after it, which is used when the field
 * is missing.
 */
abstract class TypedEventDecoder extends TerminatingDecoder {
  TypedEventDecoder(EventSink sink) {
    super(sink);
  }

  @Override
  protected final void decode(SseEvent ev) {
    JsonObject data = Wires.jsonOrNull(ev.data());
    if (data == null) return;
    decode(data.getString("type", ev.event() == null ? "" : ev.event()), data);
  }

  /** One event whose body is a JSON object; events that are not are skipped. */
  protected abstract void decode(String type, JsonObject data);
}
