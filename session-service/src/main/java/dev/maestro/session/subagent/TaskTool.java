package dev.maestro.session.subagent;

import dev.maestro.contracts.session.SubagentEvents;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The {@code task} tool as the model sees it, and its arguments checked (model output is untrusted). */
public final class TaskTool {
  private TaskTool() {}

  static final int MAX_DESCRIPTION = 200;
  static final int MAX_PROMPT = 1 << 20;

  /** A checked call: template and model may be null. */
  record Request(String description, String prompt, String template, String model) {}

  /** The tool definition offered to the model, in the shape tool-service lists its tools. */
  public static JsonObject definition() {
    JsonObject props = new JsonObject()
        .put("description", new JsonObject().put("type", "string").put("maxLength", MAX_DESCRIPTION)
            .put("description", "A short (3-8 words) label for the task, shown to the user"))
        .put("prompt", new JsonObject().put("type", "string")
            .put("description", "The complete instructions for the sub-agent. It sees nothing of this conversation, "
                + "so include every fact, file path and constraint it needs, and say what its final answer must contain"))
        .put("template", new JsonObject().put("type", "string")
            .put("description", "Optional: the name or id of one of the user's agent templates to run the sub-agent with "
                + "(its model, system prompt and tools)"))
        .put("model", new JsonObject().put("type", "string")
            .put("description", "Optional: a model id to use instead (e.g. a cheaper one for a simple task), "
                + "on the same provider and credential"));
    return new JsonObject().put("name", SubagentEvents.TASK_TOOL)
        .put("description", "Run a sub-agent: a separate session with its own, empty context that works on one task "
            + "with the tools available here (in the same workspace) until it is done, then returns its final answer "
            + "as this tool's result. Use it for self-contained pieces of work (research, a focused change, a review) "
            + "and to keep this conversation short. Several task calls in one response run in parallel.")
        .put("source", "builtin")
        .put("inputSchema", new JsonObject().put("type", "object").put("properties", props)
            .put("required", new JsonArray().add("description").add("prompt")).put("additionalProperties", false))
        .put("enabled", true)
        // the child's own tool calls are gated by their policies (and their approvals reach the parent)
        .put("policy", "allow");
  }

  /** The request, or throws IllegalArgumentException with the message the model reads. */
  static Request parse(JsonObject args) {
    if (args == null) args = new JsonObject();
    String description = string(args, "description", true);
    if (description.length() > MAX_DESCRIPTION) throw bad("description: is longer than " + MAX_DESCRIPTION + " characters");
    String prompt = string(args, "prompt", true);
    if (prompt.length() > MAX_PROMPT) throw bad("prompt: is longer than " + MAX_PROMPT + " characters");
    String template = string(args, "template", false);
    String model = string(args, "model", false);
    if (model != null && model.length() > 200) throw bad("model: is longer than 200 characters");
    if (template != null && template.length() > 200) throw bad("template: is longer than 200 characters");
    return new Request(description.strip(), prompt, template, model);
  }

  private static String string(JsonObject args, String key, boolean required) {
    Object v = args.getValue(key);
    if (v == null || (v instanceof String s && s.isBlank())) {
      if (required) throw bad(key + ": is required");
      return null;
    }
    if (!(v instanceof String s)) throw bad(key + ": must be a string");
    return s;
  }

  private static IllegalArgumentException bad(String message) {
    return new IllegalArgumentException("invalid arguments for 'task': " + message);
  }
}
