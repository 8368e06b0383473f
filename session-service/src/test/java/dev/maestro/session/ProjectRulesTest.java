package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The system prompt of a project session's turn: the session's own prompt first, then each AGENTS.md in order. */
class ProjectRulesTest {
  @Test
  void rulesFollowTheSessionPromptNearestDirectoryFirst() {
    JsonArray rules = new JsonArray().add(new JsonObject().put("path", "src/AGENTS.md").put("text", "Use tabs.\n"))
        .add(new JsonObject().put("path", "AGENTS.md").put("text", "Run the tests."));
    String prompt = ProjectRules.withRules("You are careful.", rules);
    assertThat(prompt).startsWith("You are careful.\n\n# Project rules");
    assertThat(prompt.indexOf("## src/AGENTS.md\n\nUse tabs.")).isLessThan(prompt.indexOf("## AGENTS.md\n\nRun the tests."));
    assertThat(ProjectRules.withRules("", rules)).startsWith("# Project rules");
  }
}
