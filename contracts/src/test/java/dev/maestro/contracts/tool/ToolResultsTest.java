package dev.maestro.contracts.tool;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one shape and the texts of a tool call that did not produce a normal result. */
class ToolResultsTest {

  @Test
  void anErrorResultIsOneTextBlockMarkedAsError() {
    assertEquals(new JsonObject("{\"callId\":\"c1\",\"content\":[{\"type\":\"text\",\"text\":\"no\"}],\"isError\":true}"),
        ToolResults.error("c1", "no"));
  }

  @Test
  void theTextsNameTheToolAndTheReason() {
    assertEquals("tool 'rm' is denied by policy; it cannot be run", ToolResults.deniedByPolicy("rm"));
    assertEquals("unknown tool 'x'. Available tools: a, b", ToolResults.unknownTool("x", List.of("a", "b")));
    assertEquals("tool 'x' is disabled", ToolResults.disabled("x"));
    assertEquals("tool 'x' timed out after 5 s", ToolResults.timedOut("x", 5));
    assertEquals("tool 'x' failed: boom", ToolResults.failed("x", "boom"));
    assertEquals("The tool could not run: gone", ToolResults.couldNotRun("gone"));
    assertEquals("The tool call was cancelled before it finished.", ToolResults.endedBefore("cancelled"));
  }
}
