package dev.maestro.contracts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Readers for message content parts. The part shapes are part of the contract, so every service
 * reads them the same way rather than each keeping its own copy.
 */
public final class Parts {
  private Parts() {}

  /** A tool result's content as text: a string, text parts joined by newlines, or encoded JSON. */
  public static String resultText(Object content) {
    if (content == null) return "";
    if (content instanceof String s) return s;
    if (content instanceof JsonArray arr) {
      StringBuilder sb = new StringBuilder();
      for (Object o : arr) {
        if (o instanceof JsonObject p && p.getString("text") != null) {
          if (sb.length() > 0) sb.append('\n');
          sb.append(p.getString("text"));
        } else if (o instanceof String s) {
          sb.append(s);
        }
      }
      return sb.toString();
    }
    return content instanceof JsonObject o ? o.encode() : String.valueOf(content);
  }
}
