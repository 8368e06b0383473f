package dev.maestro.contracts.session;

import io.vertx.core.json.JsonObject;

/**
 * Session events about sub-agents (issue 16), published on the <em>parent</em> session (same envelope
 * as {@link SessionEvents}): a client attached to the parent sees its children start, stream and finish
 * without subscribing to them. A child's {@code approval_required} is re-published on the parent with an
 * extra {@code childSessionId}; answering it through the parent reaches the child.
 */
public final class SubagentEvents {
  private SubagentEvents() {}

  /** The name of the built-in tool that runs a sub-agent. */
  public static final String TASK_TOOL = "task";

  /** {@code {"childSessionId","callId","description"}}: a child session was made for a task call and starts its turn. */
  public static final String STARTED = "subagent_started";
  /** {@code {"childSessionId","text"}}: text the child's model streamed. */
  public static final String DELTA = "subagent_delta";
  /** {@code {"childSessionId","text"}}: what the child is doing besides talking (a tool it calls). */
  public static final String PROGRESS = "subagent_progress";
  /** {@code {"childSessionId","callId","status"}}: the child's turn ended (complete | cancelled | error | interrupted). */
  public static final String FINISHED = "subagent_finished";

  public static JsonObject started(String childSessionId, String callId, String description) {
    return new JsonObject().put("type", STARTED).put("childSessionId", childSessionId).put("callId", callId)
        .put("description", description);
  }

  public static JsonObject delta(String childSessionId, String text) {
    return new JsonObject().put("type", DELTA).put("childSessionId", childSessionId).put("text", text);
  }

  public static JsonObject progress(String childSessionId, String text) {
    return new JsonObject().put("type", PROGRESS).put("childSessionId", childSessionId).put("text", text);
  }

  public static JsonObject finished(String childSessionId, String callId, String status) {
    return new JsonObject().put("type", FINISHED).put("childSessionId", childSessionId).put("callId", callId)
        .put("status", status);
  }
}
