package dev.maestro.platform;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What text Maestro accepts from a caller. A NUL (PostgreSQL refuses it in text and jsonb, so it
 * used to surface as a 500/503 deep inside a service), a lone UTF-16 surrogate (JSON can spell
 * {@code "\ud800"}; it is not text and does not round-trip through UTF-8), and the other C0 control
 * characters except tab, LF and CR (terminal escapes in titles, names and ids are never meant) are
 * refused up front as a 400 naming the field. {@link Strictness#STORAGE_SAFE} refuses only NUL and
 * lone surrogates: for documents Maestro itself produced, such as a session export whose tool
 * output may carry terminal escapes.
 */
public final class TextRules {
  private TextRules() {}

  public enum Strictness { STRICT, STORAGE_SAFE }

  /** At most this many problems are listed: enough to fix a request, bounded for a hostile one. */
  static final int MAX_ERRORS = 20;

  /** → why {@code s} is not acceptable text, or null when it is. */
  public static String problem(String s, Strictness strictness) {
    if (s == null) return null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) return "must not contain NUL (U+0000, at character " + i + ")";
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return "must be valid Unicode text (lone surrogate at character " + i + ")";
      }
      if (Character.isLowSurrogate(c)) return "must be valid Unicode text (lone surrogate at character " + i + ")";
      if (strictness == Strictness.STRICT && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return String.format("must not contain control characters (U+%04X at character %d)", (int) c, i);
      }
    }
    return null;
  }

  public static String problem(String s) {
    return problem(s, Strictness.STRICT);
  }

  /**
   * Every string of a JSON value (object keys too) → {@code [{field, message}]}, fields as dotted
   * paths like the schema errors ({@code messages.0.content}); the root is named {@code whole}.
   */
  public static JsonArray check(Object json, String whole, Strictness strictness) {
    JsonArray errors = new JsonArray();
    walk(json, "", whole, strictness, errors);
    return errors;
  }

  public static JsonArray check(Object json, String whole) {
    return check(json, whole, Strictness.STRICT);
  }

  private static void walk(Object v, String path, String whole, Strictness strictness, JsonArray errors) {
    if (errors.size() >= MAX_ERRORS || v == null) return;
    if (v instanceof String s) {
      String p = problem(s, strictness);
      if (p != null) errors.add(error(path.isEmpty() ? whole : path, p));
    } else if (v instanceof JsonObject o) {
      walkMap(o.getMap(), path, whole, strictness, errors);
    } else if (v instanceof Map<?, ?> m) {
      walkMap(m, path, whole, strictness, errors);
    } else if (v instanceof JsonArray a) {
      walkList(a.getList(), path, whole, strictness, errors);
    } else if (v instanceof List<?> l) {
      walkList(l, path, whole, strictness, errors);
    }
  }

  private static void walkMap(Map<?, ?> m, String path, String whole, Strictness strictness, JsonArray errors) {
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String key = String.valueOf(e.getKey());
      String child = path.isEmpty() ? key : path + "." + key;
      String p = problem(key, strictness);
      if (p != null) {
        // the key itself is bad: name its parent (a bad key is not worth echoing) and go no deeper
        errors.add(error(path.isEmpty() ? whole : path, "a field name " + p));
        if (errors.size() >= MAX_ERRORS) return;
        continue;
      }
      walk(e.getValue(), child, whole, strictness, errors);
      if (errors.size() >= MAX_ERRORS) return;
    }
  }

  private static void walkList(List<?> l, String path, String whole, Strictness strictness, JsonArray errors) {
    for (int i = 0; i < l.size(); i++) {
      walk(l.get(i), path.isEmpty() ? String.valueOf(i) : path + "." + i, whole, strictness, errors);
      if (errors.size() >= MAX_ERRORS) return;
    }
  }

  private static JsonObject error(String field, String message) {
    return new JsonObject().put("field", field).put("message", message);
  }

  /** True when {@code bytes} is well-formed UTF-8 (no overlongs, no encoded surrogates). */
  public static boolean validUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
