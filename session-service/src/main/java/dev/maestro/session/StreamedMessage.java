package dev.maestro.session;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The assistant message of one model response, built from the provider's content events: text and
 * thinking are appended to their open part, a signature closes a thinking block, a redacted block
 * and each tool call are parts of their own. Every piece is published as its session event.
 */
final class StreamedMessage {
  final JsonObject message;
  private final JsonArray content;
  private final Consumer<JsonObject> publish;
  /** The part being streamed into and its text so far (appending to a JSON string would be quadratic). */
  private JsonObject openPart;
  private StringBuilder openText;

  StreamedMessage(JsonObject message, Consumer<JsonObject> publish) {
    this.message = message;
    this.content = message.getJsonArray("content");
    this.publish = publish;
  }

  void accept(JsonObject e) {
    switch (e.getString("type", "")) {
      case ProviderEvents.TEXT -> {
        long received = dev.maestro.platform.HopStamps.on() ? dev.maestro.platform.HopStamps.nowMicros() : 0;
        String text = e.getString("text", "");
        append("text", text);
        publish.accept(dev.maestro.platform.HopStamps.session(e, SessionEvents.delta(text), received));
      }
      case ProviderEvents.THINKING -> {
        String text = e.getString("text", "");
        if (e.getString("redactedData") != null) {
          // a redacted block is opaque: stored as its own part and sent back unchanged
          close();
          content.add(new JsonObject().put("type", "thinking").put("text", "").put("redactedData", e.getString("redactedData")));
          return;
        }
        append("thinking", text);
        if (e.getString("signature") != null) {
          // the signature closes the block; it travels back with it on the next request
          flush();
          openPart.put("signature", e.getString("signature"));
          openPart = null;
        }
        if (!text.isEmpty()) publish.accept(SessionEvents.thinkingDelta(text));
      }
      case ProviderEvents.TOOL_CALL -> {
        close();
        JsonObject args = e.getValue("arguments") instanceof JsonObject a ? a : new JsonObject();
        JsonObject part = new JsonObject().put("type", "tool_call").put("callId", e.getString("id"))
            .put("name", e.getString("name")).put("arguments", args);
        // Gemini's thoughtSignature belongs to the call and must be sent back with it
        if (e.getString("signature") != null) part.put("signature", e.getString("signature"));
        content.add(part);
        publish.accept(SessionEvents.toolCall(e.getString("id"), e.getString("name"), args));
      }
      default -> { }
    }
  }

  /** Writes the streamed text into its part; called before anything reads or stores the message. */
  void flush() {
    if (openPart != null) openPart.put("text", openText.toString());
  }

  /** Flushes and closes the open part: what comes next starts a new one. */
  void close() {
    flush();
    openPart = null;
  }

  List<JsonObject> toolCalls() {
    List<JsonObject> calls = new ArrayList<>();
    content.forEach(p -> {
      if ("tool_call".equals(((JsonObject) p).getString("type"))) calls.add((JsonObject) p);
    });
    return calls;
  }

  private void append(String type, String text) {
    JsonObject last = content.isEmpty() ? null : content.getJsonObject(content.size() - 1);
    if (last == null || last != openPart || !type.equals(last.getString("type"))) {
      flush();
      last = new JsonObject().put("type", type).put("text", "");
      content.add(last);
      openPart = last;
      openText = new StringBuilder();
    }
    openText.append(text);
  }
}
