package dev.maestro.gateway.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** What an API handler answers: a status and a JSON body, or raw content (exports). */
public record Reply(int status, Object body, String contentType) {
  public static Reply ok(Object json) {
    return new Reply(200, json, "application/json");
  }

  public static Reply created(Object json) {
    return new Reply(201, json, "application/json");
  }

  public static Reply accepted(Object json) {
    return new Reply(202, json == null ? new JsonObject() : json, "application/json");
  }

  public static Reply noContent() {
    return new Reply(204, null, null);
  }

  public static Reply raw(int status, String contentType, Buffer body) {
    return new Reply(status, body, contentType);
  }
}
