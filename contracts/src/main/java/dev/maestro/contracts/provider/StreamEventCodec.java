package dev.maestro.contracts.provider;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * A binary wire form for the stream events of {@link ProviderEvents} between provider-service and
 * session-service (an internal address, so no integrator sees it): the hot deltas ({@code text},
 * {@code thinking}) and {@code usage}, {@code done}, {@code error} are written as a type byte and
 * length-prefixed UTF-8 strings / longs, with no JSON encode or parse on either side; any other
 * shape ({@code tool_call}, a thinking block's signature, an extra field) goes as its JSON text,
 * so nothing is ever lost. Bodies stay {@link JsonObject}s in the code on both ends.
 *
 * <p>Used by name: the sender sets {@link #options()}; both services register it at start with
 * {@link #register(Vertx)} (a node without it cannot decode these messages, so provider-service
 * and session-service are upgraded together). Within one JVM the object is handed over as is
 * (the sender never touches an event after sending it).
 */
public final class StreamEventCodec implements MessageCodec<JsonObject, JsonObject> {
  public static final String NAME = "maestro-provider-stream-event";

  private static final byte JSON = 0;
  private static final byte TEXT = 1;
  private static final byte THINKING = 2;
  private static final byte USAGE = 3;
  private static final byte DONE = 4;
  private static final byte ERROR = 5;

  private static final String[] TEXT_KEYS = {"streamId", "type", "text"};
  private static final String[] USAGE_KEYS = {"streamId", "type", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"};
  private static final String[] DONE_KEYS = {"streamId", "type", "stopReason", "rawStopReason"};
  private static final String[] ERROR_KEYS = {"streamId", "type", "code", "message"};

  /** Registers the codec on this Vert.x instance's bus once (a second call does nothing). */
  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new StreamEventCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this process registered it first
    }
  }

  /** Delivery options that select this codec for one send. */
  public static DeliveryOptions options() {
    return new DeliveryOptions().setCodecName(NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, JsonObject event) {
    String type = event.getValue("type") instanceof String t ? t : "";
    switch (type) {
      case ProviderEvents.TEXT, ProviderEvents.THINKING -> {
        if (shape(event, TEXT_KEYS, 2)) {
          buffer.appendByte(type.equals(ProviderEvents.TEXT) ? TEXT : THINKING);
          str(buffer, event.getString("streamId"));
          str(buffer, event.getString("text"));
          return;
        }
      }
      case ProviderEvents.USAGE -> {
        if (shape(event, USAGE_KEYS, 2) && longs(event, USAGE_KEYS)) {
          buffer.appendByte(USAGE);
          str(buffer, event.getString("streamId"));
          for (int i = 2; i < USAGE_KEYS.length; i++) buffer.appendLong(((Number) event.getValue(USAGE_KEYS[i])).longValue());
          return;
        }
      }
      case ProviderEvents.DONE -> {
        if (shape(event, DONE_KEYS, 2)) {
          buffer.appendByte(DONE);
          for (String k : DONE_KEYS) if (!k.equals("type")) str(buffer, event.getString(k));
          return;
        }
      }
      case ProviderEvents.ERROR -> {
        if (shape(event, ERROR_KEYS, 2)) {
          buffer.appendByte(ERROR);
          for (String k : ERROR_KEYS) if (!k.equals("type")) str(buffer, event.getString(k));
          return;
        }
      }
      default -> { }
    }
    buffer.appendByte(JSON);
    Buffer json = event.toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    byte tag = buffer.getByte(pos);
    int[] at = {pos + 1};
    switch (tag) {
      case TEXT, THINKING -> {
        JsonObject e = new JsonObject().put("streamId", str(buffer, at)).put("type", tag == TEXT ? ProviderEvents.TEXT : ProviderEvents.THINKING);
        return e.put("text", str(buffer, at));
      }
      case USAGE -> {
        JsonObject e = new JsonObject().put("streamId", str(buffer, at)).put("type", ProviderEvents.USAGE);
        for (int i = 2; i < USAGE_KEYS.length; i++) {
          e.put(USAGE_KEYS[i], buffer.getLong(at[0]));
          at[0] += 8;
        }
        return e;
      }
      case DONE, ERROR -> {
        String[] keys = tag == DONE ? DONE_KEYS : ERROR_KEYS;
        JsonObject e = new JsonObject().put("streamId", str(buffer, at)).put("type", tag == DONE ? ProviderEvents.DONE : ProviderEvents.ERROR);
        for (int i = 2; i < keys.length; i++) e.put(keys[i], str(buffer, at));
        return e;
      }
      case JSON -> {
        int len = buffer.getInt(at[0]);
        return new JsonObject(buffer.slice(at[0] + 4, at[0] + 4 + len));
      }
      default -> throw new IllegalStateException("unknown stream event tag " + tag);
    }
  }

  @Override
  public JsonObject transform(JsonObject event) {
    return event;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  /**
   * True when the event has exactly these keys in this order, the first {@code strings} of them
   * and the rest (for text/done/error) String values (null allowed after the first two).
   */
  private static boolean shape(JsonObject event, String[] keys, int required) {
    if (event.size() != keys.length) return false;
    Iterator<Map.Entry<String, Object>> it = event.iterator();
    for (int i = 0; i < keys.length; i++) {
      Map.Entry<String, Object> entry = it.next();
      if (!keys[i].equals(entry.getKey())) return false;
      Object v = entry.getValue();
      if (i < required && !(v instanceof String)) return false;
      if (keys != USAGE_KEYS && v != null && !(v instanceof String)) return false;
    }
    return true;
  }

  private static boolean longs(JsonObject event, String[] keys) {
    for (int i = 2; i < keys.length; i++) {
      Object v = event.getValue(keys[i]);
      if (!(v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)) return false;
    }
    return true;
  }

  private static void str(Buffer buffer, String s) {
    if (s == null) {
      buffer.appendInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  private static String str(Buffer buffer, int[] at) {
    int len = buffer.getInt(at[0]);
    at[0] += 4;
    if (len < 0) return null;
    String s = buffer.getString(at[0], at[0] + len, "UTF-8");
    at[0] += len;
    return s;
  }
}
