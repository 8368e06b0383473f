package dev.maestro.testkit.fake;

import java.util.List;

/**
 * What the demo script needs from a request, whatever its wire format: the last user text, or the
 * tool results when the last message holds tool results, and the prompt size (for usage figures).
 */
public record Conversation(String lastUserText, List<ToolResult> toolResults, int promptChars) {
  public record ToolResult(String name, String text) {}

  public boolean endsWithToolResults() {
    return !toolResults.isEmpty();
  }
}
