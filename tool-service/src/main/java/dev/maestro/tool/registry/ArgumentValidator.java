package dev.maestro.tool.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates tool arguments against the tool's JSON schema with vertx-json-schema. The draft comes
 * from {@code $schema} when present (server-everything uses draft-07), else 2020-12 as MCP says.
 * Validators are cached per schema text because building one parses the schema.
 */
public final class ArgumentValidator {
  private final Map<String, Validator> cache = new ConcurrentHashMap<>();

  /** → null when valid, else [{field, message}] for the model to read. */
  public JsonArray validate(JsonObject schema, JsonObject arguments) {
    Validator validator;
    try {
      validator = cache.computeIfAbsent(schema.encode(), k -> create(schema));
    } catch (RuntimeException e) {
      // A broken schema from a server must not make the tool unusable: say so, validate nothing.
      return null;
    }
    OutputUnit out;
    try {
      out = validator.validate(arguments);
    } catch (RuntimeException e) {
      return new JsonArray().add(new JsonObject().put("field", "").put("message", String.valueOf(e.getMessage())));
    }
    if (Boolean.TRUE.equals(out.getValid())) return null;
    JsonArray errors = new JsonArray();
    if (out.getErrors() != null) {
      for (OutputUnit u : out.getErrors()) {
        errors.add(new JsonObject().put("field", field(u.getInstanceLocation())).put("message", u.getError()));
      }
    }
    if (errors.isEmpty()) errors.add(new JsonObject().put("field", "").put("message", String.valueOf(out.getError())));
    return errors;
  }

  private static String field(String instanceLocation) {
    if (instanceLocation == null) return "";
    String f = instanceLocation.startsWith("#") ? instanceLocation.substring(1) : instanceLocation;
    return f.startsWith("/") ? f.substring(1).replace('/', '.') : f;
  }

  private static Validator create(JsonObject schema) {
    Draft draft = Draft.DRAFT202012;
    String declared = schema.getString("$schema");
    if (declared != null) {
      try {
        draft = Draft.fromIdentifier(declared);
      } catch (RuntimeException e) {
        if (declared.contains("draft-07")) draft = Draft.DRAFT7;
        else if (declared.contains("draft-04")) draft = Draft.DRAFT4;
        else if (declared.contains("2019-09")) draft = Draft.DRAFT201909;
      }
    }
    JsonSchemaOptions options = new JsonSchemaOptions().setDraft(draft).setBaseUri("https://maestro.local/tools/")
        .setOutputFormat(OutputFormat.Basic);
    return Validator.create(JsonSchema.of(schema), options);
  }
}
