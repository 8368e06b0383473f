package dev.maestro.session.subagent;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The task tool's arguments come from the model: each bad one gets a message the model can act on. */
class TaskToolTest {

  @Test
  void aWellFormedCallIsAccepted() {
    TaskTool.Request r = TaskTool.parse(new JsonObject().put("description", " scan ").put("prompt", "do it")
        .put("model", "cheap-1"));
    assertThat(r).isEqualTo(new TaskTool.Request("scan", "do it", null, "cheap-1"));
  }

  @Test
  void missingWrongTypedOrOversizedArgumentsNameTheField() {
    assertThatThrownBy(() -> TaskTool.parse(new JsonObject().put("description", "x")))
        .hasMessage("invalid arguments for 'task': prompt: is required");
    assertThatThrownBy(() -> TaskTool.parse(null)).hasMessage("invalid arguments for 'task': description: is required");
    assertThatThrownBy(() -> TaskTool.parse(new JsonObject().put("description", 7).put("prompt", "p")))
        .hasMessage("invalid arguments for 'task': description: must be a string");
    assertThatThrownBy(() -> TaskTool.parse(new JsonObject().put("description", "d".repeat(201)).put("prompt", "p")))
        .hasMessageContaining("description: is longer than 200 characters");
    assertThatThrownBy(() -> TaskTool.parse(new JsonObject().put("description", "d").put("prompt", "p")
        .put("template", new JsonObject()))).hasMessage("invalid arguments for 'task': template: must be a string");
  }

  @Test
  void theDefinitionTellsTheModelWhatToSend() {
    JsonObject def = TaskTool.definition();
    assertThat(def.getString("name")).isEqualTo("task");
    assertThat(def.getString("policy")).isEqualTo("allow");
    assertThat(def.getJsonObject("inputSchema").getJsonObject("properties").fieldNames())
        .containsExactlyInAnyOrder("description", "prompt", "template", "model");
    assertThat(def.getString("description")).contains("final answer", "parallel");
  }
}
