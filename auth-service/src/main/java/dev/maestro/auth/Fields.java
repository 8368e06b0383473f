package dev.maestro.auth;

import dev.maestro.contracts.provider.Providers;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Collects field errors so one BAD_REQUEST lists everything wrong with an input at once. */
final class Fields {

  private final List<JsonObject> errors = new ArrayList<>();
  private final JsonObject input;

  private Fields(JsonObject input) {
    this.input = input == null ? new JsonObject() : input;
  }

  static Fields of(JsonObject input) {
    return new Fields(input);
  }

  Fields error(String field, String message) {
    errors.add(new JsonObject().put("field", field).put("message", message));
    return this;
  }

  String requiredString(String field, int max) {
    Object v = input.getValue(field);
    if (!(v instanceof String s) || s.isBlank()) {
      error(field, "is required");
      return null;
    }
    if (s.length() > max) error(field, "must be at most " + max + " characters");
    return s.trim();
  }

  String optionalString(String field, int max) {
    Object v = input.getValue(field);
    if (v == null) return null;
    if (!(v instanceof String s)) {
      error(field, "must be a string");
      return null;
    }
    if (s.length() > max) error(field, "must be at most " + max + " characters");
    return s.isBlank() ? null : s.trim();
  }

  String provider(String field) {
    String p = requiredString(field, 40);
    if (p != null && !Providers.isKnown(p)) {
      error(field, "must be one of " + Providers.ONE_OF);
      return null;
    }
    return p;
  }

  String url(String field, boolean required) {
    String u = required ? requiredString(field, 2000) : optionalString(field, 2000);
    if (u == null) return null;
    if (!isHttpUrl(u)) error(field, "must be an absolute http(s) URL");
    return u;
  }

  boolean bool(String field) {
    Object v = input.getValue(field);
    if (v == null) return false;
    if (v instanceof Boolean b) return b;
    error(field, "must be true or false");
    return false;
  }

  JsonArray stringArray(String field) {
    Object v = input.getValue(field);
    if (v == null) return new JsonArray();
    if (v instanceof JsonArray a && a.stream().allMatch(x -> x instanceof String)) return a;
    error(field, "must be an array of strings");
    return new JsonArray();
  }

  JsonObject stringMap(String field) {
    Object v = input.getValue(field);
    if (v == null) return new JsonObject();
    if (v instanceof JsonObject o && o.stream().allMatch(e -> e.getValue() instanceof String)) return o;
    error(field, "must be an object of string values");
    return new JsonObject();
  }

  /** Fails with one BAD_REQUEST carrying every field error, or does nothing. */
  void check(String what) {
    if (errors.isEmpty()) return;
    String summary = errors.stream().map(e -> e.getString("field") + " " + e.getString("message"))
        .reduce((a, b) -> a + "; " + b).orElse("");
    throw new ServiceException(ErrorCodes.BAD_REQUEST, "invalid " + what + ": " + summary,
        new JsonObject().put("errors", new JsonArray(errors)));
  }

  static boolean isHttpUrl(String u) {
    try {
      URI uri = new URI(u);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (Exception e) {
      return false;
    }
  }
}
