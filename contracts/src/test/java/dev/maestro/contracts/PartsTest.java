package dev.maestro.contracts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PartsTest {
  @Test
  void nothingIsEmptyText() {
    assertThat(Parts.resultText(null)).isEmpty();
  }

  @Test
  void aStringIsItself() {
    assertThat(Parts.resultText("plain")).isEqualTo("plain");
  }

  @Test
  void textPartsAreJoinedByNewlinesAndOtherPartsSkipped() {
    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", "one"))
        .add(new JsonObject().put("type", "image").put("data", "AAAA"))
        .add(new JsonObject().put("type", "text").put("text", "two"));
    assertThat(Parts.resultText(content)).isEqualTo("one\ntwo");
  }

  @Test
  void bareStringsInAnArrayAreAppended() {
    assertThat(Parts.resultText(new JsonArray().add("a").add("b"))).isEqualTo("ab");
    assertThat(Parts.resultText(new JsonArray())).isEmpty();
  }

  @Test
  void anObjectIsEncodedJsonAndAnythingElseItsString() {
    assertThat(Parts.resultText(new JsonObject().put("k", 1))).isEqualTo("{\"k\":1}");
    assertThat(Parts.resultText(42)).isEqualTo("42");
  }
}
