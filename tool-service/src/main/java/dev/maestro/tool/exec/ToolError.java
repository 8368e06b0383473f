package dev.maestro.tool.exec;

/** A refusal or failure whose message is meant for the model (it becomes an isError result). */
public class ToolError extends RuntimeException {
  public ToolError(String message) {
    super(message, null, false, false);
  }
}
