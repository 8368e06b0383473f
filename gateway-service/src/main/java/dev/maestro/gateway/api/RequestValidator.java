package dev.maestro.gateway.api;

import dev.maestro.contracts.SchemaErrors;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

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
    OutputUnit out;
    try {
      out = validator.validate(body);
    } catch (RuntimeException e) {
      return new JsonArray().add(SchemaErrors.problem("(body)", "cannot be validated"));
    }
    return SchemaErrors.of(out, "(body)", "does not match the schema");
  }
}
