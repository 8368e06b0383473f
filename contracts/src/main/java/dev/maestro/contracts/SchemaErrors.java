package dev.maestro.contracts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A JSON-schema validation result as the {@code errors:[{field, message}]} of a 400 problem: the
 * same shape for a request body (gateway) and an elicitation answer (session-service). Fields are
 * dotted paths ({@code items.0.name}); the whole value is named {@code whole} (e.g. "(body)").
 */
public final class SchemaErrors {
  /** Enough to fix a request; a pathological value must not produce a huge answer. */
  static final int MAX = 20;

  private SchemaErrors() {}

  /** → the problems of {@code out}; empty when valid; {@code fallback} when invalid without detail. */
  public static JsonArray of(OutputUnit out, String whole, String fallback) {
    JsonArray errors = new JsonArray();
    if (Boolean.TRUE.equals(out.getValid())) return errors;
    Set<String> seen = new LinkedHashSet<>();
    if (out.getErrors() != null) {
      for (OutputUnit u : out.getErrors()) {
        String field = field(u.getInstanceLocation(), whole);
        String message = u.getError() == null ? "is invalid" : u.getError();
        if (seen.add(field + "\u0000" + message) && seen.size() <= MAX) errors.add(problem(field, message));
      }
    }
    if (errors.isEmpty()) errors.add(problem(whole, fallback));
    return errors;
  }

  public static JsonObject problem(String field, String message) {
    return new JsonObject().put("field", field).put("message", message);
  }

  /** {@code #/items/0/name} → {@code items.0.name}; the root → {@code whole}. */
  public static String field(String instanceLocation, String whole) {
    if (instanceLocation == null) return whole;
    String f = instanceLocation.replaceFirst("^#", "").replaceFirst("^/", "").replace('/', '.');
    return f.isEmpty() ? whole : f;
  }
}
