package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.UUID;

/** The failures this service answers with, in one place so messages stay consistent. */
final class Fail {
  private Fail() {}

  static <T> Future<T> notFound(String what) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, what + " not found");
  }

  static <T> Future<T> invalid(String field, String message) {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, field + ": " + message, new JsonObject()
        .put("errors", new JsonArray().add(new JsonObject().put("field", field).put("message", message))));
  }

  static <T> Future<T> conflict(String message) {
    return ServiceException.fail(ErrorCodes.CONFLICT, message);
  }

  /** A per-user limit is reached (the gateway answers 429). */
  static <T> Future<T> tooMany(String message) {
    return ServiceException.fail(ErrorCodes.TOO_MANY, message);
  }

  static <T> Future<T> unavailable(String message) {
    return ServiceException.fail(ErrorCodes.UNAVAILABLE, message);
  }

  /** A malformed id can never name an existing row: it answers like a missing one. */
  static UUID uuidOrNull(String id) {
    if (id == null) return null;
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
