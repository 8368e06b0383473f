package dev.maestro.contracts.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ElicitationFormTest {
  static final JsonObject SCHEMA = new JsonObject().put("type", "object")
      .put("properties", new JsonObject()
          .put("name", new JsonObject().put("type", "string"))
          .put("age", new JsonObject().put("type", "integer").put("default", 30))
          .put("color", new JsonObject().put("type", "string").put("enum", new JsonArray().add("red").add("blue")))
          .put("nothing", new JsonObject().put("type", "string").putNull("default")))
      .put("required", new JsonArray().add("name"));

  @Test
  void onlyTheThreeActionsAreActions() {
    assertThat(ElicitationForm.ACTIONS).containsExactly("accept", "decline", "cancel");
    assertThat(ElicitationForm.isAction("accept")).isTrue();
    assertThat(ElicitationForm.isAction("ACCEPT")).isFalse();
    assertThat(ElicitationForm.isAction(null)).isFalse();
  }

  @Test
  void defaultsFillOnlyWhatTheAnswerLeftOutAndNeverNull() {
    JsonObject answer = new JsonObject().put("name", "Mia");
    JsonObject filled = ElicitationForm.applyDefaults(SCHEMA, answer);
    assertThat(filled).isEqualTo(new JsonObject().put("name", "Mia").put("age", 30));
    assertThat(answer).as("the answer itself is not changed").isEqualTo(new JsonObject().put("name", "Mia"));
    assertThat(ElicitationForm.applyDefaults(SCHEMA, new JsonObject().put("age", 5)).getInteger("age")).isEqualTo(5);
    assertThat(ElicitationForm.applyDefaults(null, null)).isEqualTo(new JsonObject());
  }

  @Test
  void aFittingAnswerHasNoProblems() {
    assertThat(ElicitationForm.validate(SCHEMA, new JsonObject().put("name", "Mia").put("color", "red"))).isEmpty();
  }

  @Test
  void problemsNameTheFieldsThatDoNotFit() {
    JsonArray errors = ElicitationForm.validate(SCHEMA, new JsonObject().put("name", "Mia").put("age", "old").put("color", "green"));
    List<String> fields = errors.stream().map(e -> ((JsonObject) e).getString("field")).toList();
    assertThat(fields).contains("age", "color");
    assertThat(ElicitationForm.validate(SCHEMA, new JsonObject())).isNotEmpty();
  }

  @Test
  void anUncheckableSchemaIsAProblemNotACrash() {
    JsonArray errors = ElicitationForm.validate(new JsonObject().put("type", 12), new JsonObject());
    assertThat(errors).isNotEmpty();
    assertThat(errors.getJsonObject(0).getString("field")).isEqualTo("(content)");
  }

  @Test
  void describeJoinsTheProblemsOnOneLine() {
    JsonArray errors = new JsonArray().add(new JsonObject().put("field", "age").put("message", "must be an integer"))
        .add(new JsonObject().put("field", "name").put("message", "is required"));
    assertThat(ElicitationForm.describe(errors)).isEqualTo("age: must be an integer; name: is required");
    assertThat(ElicitationForm.describe(new JsonArray())).isEmpty();
  }

  @Test
  void theTimeoutIsReadFromConfigAndMustBePositive() {
    assertThat(ElicitationForm.timeoutMs(new JsonObject().put(ElicitationForm.TIMEOUT, "1500"))).isEqualTo(1500);
    assertThat(ElicitationForm.timeoutMs(new JsonObject().put(ElicitationForm.TIMEOUT, 2500))).isEqualTo(2500);
    assertThatThrownBy(() -> ElicitationForm.timeoutMs(new JsonObject().put(ElicitationForm.TIMEOUT, "0")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ElicitationForm.TIMEOUT);
    assertThatThrownBy(() -> ElicitationForm.timeoutMs(new JsonObject().put(ElicitationForm.TIMEOUT, "soon")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("soon");
  }

  @Test
  void withoutASettingTheDefaultIsHalfTheToolTimeout() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(ElicitationForm.TIMEOUT) == null
        && System.getProperty(ElicitationForm.TIMEOUT) == null, "the environment sets the timeout");
    assertThat(ElicitationForm.timeoutMs(new JsonObject())).isEqualTo(ElicitationForm.DEFAULT_TIMEOUT_MS).isEqualTo(300_000);
    assertThat(ElicitationForm.timeoutMs(new JsonObject().put(ElicitationForm.TIMEOUT, " "))).isEqualTo(300_000);
  }
}
