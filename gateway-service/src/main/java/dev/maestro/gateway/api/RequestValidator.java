package dev.maestro.gateway.api;

import dev.maestro.contracts.SchemaErrors;
import dev.maestro.platform.TextRules;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

/**
 * Validates a request body against its JSON Schema (2020-12) from the OpenAPI document, and every
 * string in it (keys too) against {@link TextRules}: NUL, lone surrogates and control characters
 * are a 400 naming the field, never something a service or PostgreSQL chokes on.
 */
public final class RequestValidator {
  /** Operations whose body is a document Maestro produced (terminal output may carry escapes). */
  private static final java.util.Set<String> STORAGE_SAFE_ONLY = java.util.Set.of("importSession");

  private final Validator validator;
  private final TextRules.Strictness strictness;

  public RequestValidator(JsonObject schema) {
    this(null, schema);
  }

  public RequestValidator(String operationId, JsonObject schema) {
    this.strictness = operationId != null && STORAGE_SAFE_ONLY.contains(operationId) ? TextRules.Strictness.STORAGE_SAFE : TextRules.Strictness.STRICT;
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
    JsonArray errors = SchemaErrors.of(out, "(body)", "does not match the schema");
    JsonArray text = TextRules.check(body, "(body)", strictness);
    for (int i = 0; i < text.size() && errors.size() < 40; i++) errors.add(text.getValue(i));
    return errors;
  }
}
