package dev.maestro.contracts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaErrorsTest {
  private static OutputUnit validate(JsonObject schema, Object value) {
    return Validator.create(JsonSchema.of(schema), new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
        .setBaseUri("https://maestro.invalid/test").setOutputFormat(OutputFormat.Basic)).validate(value);
  }

  @Test
  void aValidValueHasNoProblems() {
    JsonObject schema = new JsonObject().put("type", "object");
    assertThat(SchemaErrors.of(validate(schema, new JsonObject()), "(body)", "bad")).isEmpty();
  }

  @Test
  void problemsNameDottedFieldsAndTheRootByItsWholeName() {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("items", new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "object")
            .put("properties", new JsonObject().put("name", new JsonObject().put("type", "string"))))));
    JsonArray errors = SchemaErrors.of(validate(schema, new JsonObject().put("items", new JsonArray().add(new JsonObject().put("name", 7)))),
        "(body)", "bad");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field"))).contains("items.0.name");
    JsonArray root = SchemaErrors.of(validate(new JsonObject().put("type", "object"), "text"), "(body)", "bad");
    assertThat(root.stream().map(e -> ((JsonObject) e).getString("field"))).containsOnly("(body)");
  }

  @Test
  void manyProblemsAreCappedAndDuplicatesDropped() {
    OutputUnit out = new OutputUnit(false);
    out.addError(new OutputUnit().setInstanceLocation("#/a").setError("is wrong"));
    out.addError(new OutputUnit().setInstanceLocation("#/a").setError("is wrong"));
    out.addError(new OutputUnit().setInstanceLocation("#/a").setError("is also wrong"));
    out.addError(new OutputUnit().setInstanceLocation("#/b"));
    for (int i = 0; i < 50; i++) out.addError(new OutputUnit().setInstanceLocation("#/p" + i).setError("bad"));
    JsonArray errors = SchemaErrors.of(out, "(body)", "fallback");
    assertThat(errors).hasSize(SchemaErrors.MAX);
    assertThat(errors.getList().subList(0, 3)).containsExactly(SchemaErrors.problem("a", "is wrong"),
        SchemaErrors.problem("a", "is also wrong"), SchemaErrors.problem("b", "is invalid"));
  }

  @Test
  void aRealValidatorsManyProblemsStayWithinTheCap() {
    JsonObject props = new JsonObject();
    JsonObject value = new JsonObject();
    for (int i = 0; i < 50; i++) {
      props.put("p" + i, new JsonObject().put("type", "integer"));
      value.put("p" + i, "not a number");
    }
    JsonArray errors = SchemaErrors.of(validate(new JsonObject().put("type", "object").put("properties", props), value), "(body)", "bad");
    assertThat(errors.size()).isLessThanOrEqualTo(SchemaErrors.MAX).isGreaterThan(1);
  }

  @Test
  void anInvalidResultWithoutDetailGetsTheFallback() {
    OutputUnit bare = new OutputUnit(false);
    assertThat(SchemaErrors.of(bare, "(content)", "does not match"))
        .containsExactly(new JsonObject().put("field", "(content)").put("message", "does not match"));
  }

  @Test
  void fieldTurnsAJsonPointerIntoADottedPath() {
    assertThat(SchemaErrors.field("#/items/0/name", "(body)")).isEqualTo("items.0.name");
    assertThat(SchemaErrors.field("/a/b", "(body)")).isEqualTo("a.b");
    assertThat(SchemaErrors.field("#", "(body)")).isEqualTo("(body)");
    assertThat(SchemaErrors.field("", "(body)")).isEqualTo("(body)");
    assertThat(SchemaErrors.field(null, "(body)")).isEqualTo("(body)");
  }
}
