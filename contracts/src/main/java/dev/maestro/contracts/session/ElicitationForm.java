package dev.maestro.contracts.session;

import dev.maestro.contracts.SchemaErrors;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

import java.util.List;

/**
 * The one place that knows how an MCP elicitation form (a flat object schema of primitive
 * properties) is filled and checked: every client that answers one (web UI, TUI, the conformance
 * launcher) and session-service, which checks what comes back, use the same rules.
 */
public final class ElicitationForm {
  private ElicitationForm() {}

  public static final String ACCEPT = "accept";
  public static final String DECLINE = "decline";
  public static final String CANCEL = "cancel";
  public static final List<String> ACTIONS = List.of(ACCEPT, DECLINE, CANCEL);

  /** How long an elicitation waits for its user before it is cancelled (ms); read by session- and tool-service. */
  public static final String TIMEOUT = "MAESTRO_ELICITATION_TIMEOUT_MS";
  /** Half the default tool timeout (600 s): an unanswered question is cancelled while its call can still finish. */
  public static final long DEFAULT_TIMEOUT_MS = 300_000;

  public static boolean isAction(String action) {
    return action != null && ACTIONS.contains(action);
  }

  /** SEP-1034: every property the answer leaves out gets the schema's default, if it has one. */
  public static JsonObject applyDefaults(JsonObject schema, JsonObject content) {
    JsonObject filled = content == null ? new JsonObject() : content.copy();
    JsonObject properties = schema == null ? null : schema.getJsonObject("properties");
    if (properties == null) return filled;
    for (String name : properties.fieldNames()) {
      if (filled.containsKey(name)) continue;
      Object p = properties.getValue(name);
      if (p instanceof JsonObject prop && prop.containsKey("default") && prop.getValue("default") != null) {
        filled.put(name, prop.getValue("default"));
      }
    }
    return filled;
  }

  /** The problems of an answer as {field, message} (types, enum, required, …); empty when it fits the schema. */
  public static JsonArray validate(JsonObject schema, JsonObject content) {
    JsonArray errors = new JsonArray();
    OutputUnit out;
    try {
      Validator validator = Validator.create(JsonSchema.of(schema == null ? new JsonObject() : schema),
          new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://maestro.invalid/elicitation")
              .setOutputFormat(OutputFormat.Basic));
      out = validator.validate(content == null ? new JsonObject() : content);
    } catch (RuntimeException e) {
      return errors.add(SchemaErrors.problem("(content)", "cannot be checked against the requested schema: " + e.getMessage()));
    }
    return errors.addAll(SchemaErrors.of(out, "(content)", "does not match the requested schema"));
  }

  /** One line for a problem+json detail: "age: …; name: …". */
  public static String describe(JsonArray errors) {
    StringBuilder sb = new StringBuilder();
    for (Object o : errors) {
      JsonObject e = (JsonObject) o;
      if (sb.length() > 0) sb.append("; ");
      sb.append(e.getString("field")).append(": ").append(e.getString("message"));
    }
    return sb.toString();
  }

  /** The elicitation timeout from a service's config (env var name as key, like every Maestro setting). */
  public static long timeoutMs(JsonObject config) {
    Object v = config == null ? null : config.getValue(TIMEOUT);
    if (v == null) v = System.getProperty(TIMEOUT, System.getenv(TIMEOUT));
    if (v == null || String.valueOf(v).isBlank()) return DEFAULT_TIMEOUT_MS;
    try {
      long ms = Long.parseLong(String.valueOf(v).trim());
      if (ms <= 0) throw new NumberFormatException();
      return ms;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(TIMEOUT + " must be a positive number of milliseconds, got '" + v + "'");
    }
  }


}
