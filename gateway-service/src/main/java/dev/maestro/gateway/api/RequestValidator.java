package dev.maestro.gateway.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

import java.util.LinkedHashSet;
import java.util.Set;

/** Validates a request body against its JSON Schema (2020-12) from the OpenAPI document. */
public final class RequestValidator {
  private final Validator validator;

  public RequestValidator(JsonObject schema) {
    this.validator = Validator.create(JsonSchema.of(schema),
        new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://maestro.invalid/api/v1")
            .setOutputFormat(OutputFormat.Basic));
  }

  /** → the problems as {field, message}; empty when valid. */
  public JsonArray validate(Object body) {
    JsonArray errors = new JsonArray();
    OutputUnit out;
    try {
      out = validator.validate(body);
    } catch (RuntimeException e) {
      return errors.add(new JsonObject().put("field", "(body)").put("message", "cannot be validated"));
    }
    if (Boolean.TRUE.equals(out.getValid())) return errors;
    Set<String> seen = new LinkedHashSet<>();
    if (out.getErrors() != null) {
      for (OutputUnit u : out.getErrors()) {
        String field = field(u.getInstanceLocation());
        String message = u.getError() == null ? "is invalid" : u.getError();
        if (seen.add(field + "\u0000" + message) && seen.size() <= 20) {
          errors.add(new JsonObject().put("field", field).put("message", message));
        }
      }
    }
    if (errors.isEmpty()) errors.add(new JsonObject().put("field", "(body)").put("message", "does not match the schema"));
    return errors;
  }

  static String field(String instanceLocation) {
    if (instanceLocation == null) return "(body)";
    String f = instanceLocation.replaceFirst("^#", "").replaceFirst("^/", "").replace('/', '.');
    return f.isEmpty() ? "(body)" : f;
  }
}
