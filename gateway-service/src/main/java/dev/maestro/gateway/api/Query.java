package dev.maestro.gateway.api;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.regex.Pattern;

/** Query parameters, checked as they are read; problems are collected into one 400. */
public final class Query {
  private final MultiMap params;
  private final JsonArray errors = new JsonArray();

  public Query(MultiMap params) {
    this.params = params;
  }

  /** Every parameter as sent (for the text check of {@link InputText}). */
  MultiMap params() {
    return params;
  }

  public String string(String name, int maxLength) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) return null;
    if (params.getAll(name).size() > 1) error(name, "must be given once");
    else if (v.length() > maxLength) error(name, "must be at most " + maxLength + " characters");
    else return v;
    return null;
  }

  public String matching(String name, Pattern pattern, String what) {
    String v = string(name, 200);
    if (v != null && !pattern.matcher(v).matches()) {
      error(name, "must be " + what);
      return null;
    }
    return v;
  }

  public Long integer(String name, long min, long max) {
    String v = string(name, 20);
    if (v == null) return null;
    try {
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        error(name, "must be between " + min + " and " + max);
        return null;
      }
      return n;
    } catch (NumberFormatException e) {
      error(name, "must be an integer");
      return null;
    }
  }

  public int limit() {
    Long l = integer("limit", 1, 200);
    return l == null ? 50 : l.intValue();
  }

  void error(String field, String message) {
    errors.add(new JsonObject().put("field", field).put("message", message));
  }

  /** Fails the call with a 400 when any parameter was bad. */
  public void check() {
    if (!errors.isEmpty()) {
      throw new ServiceException(400, "invalid query parameters", new JsonObject().put("errors", errors));
    }
  }
}
