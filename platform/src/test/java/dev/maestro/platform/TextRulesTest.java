package dev.maestro.platform;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class TextRulesTest {

  @Test
  void ordinaryTextIncludingTabsNewlinesEmojiAndScriptsIsAccepted() {
    for (String ok : new String[] {"", "hello", "a\tb\nc\r\n", "😀 日本語 é", "\u007f", "\uFFFD"}) {
      assertThat(TextRules.problem(ok)).as(ok).isNull();
    }
  }

  @Test
  void nulLoneSurrogatesAndControlCharactersAreRefusedWithTheirPosition() {
    assertThat(TextRules.problem("ab\u0000")).contains("NUL").contains("character 2");
    assertThat(TextRules.problem("\ud800x")).contains("lone surrogate");
    assertThat(TextRules.problem("x\udc00")).contains("lone surrogate");
    assertThat(TextRules.problem("\ud83d")).contains("lone surrogate");
    assertThat(TextRules.problem("\u001b[31m")).contains("U+001B");
    assertThat(TextRules.problem("\u0001")).contains("U+0001");
  }

  @Test
  void storageSafeStillRefusesNulAndSurrogatesButKeepsTerminalEscapes() {
    assertThat(TextRules.problem("\u001b[31mred", TextRules.Strictness.STORAGE_SAFE)).isNull();
    assertThat(TextRules.problem("a\u0000", TextRules.Strictness.STORAGE_SAFE)).contains("NUL");
    assertThat(TextRules.problem("\udfff", TextRules.Strictness.STORAGE_SAFE)).contains("surrogate");
  }

  @Test
  void everyStringOfAJsonValueIsCheckedAndNamedByItsDottedPath() {
    JsonObject body = new JsonObject().put("title", "ok").put("params", new JsonObject().put("stop", new JsonArray().add("x").add("y\u0000")))
        .put("a\u0000", 1).put("n", 5);
    JsonArray errors = TextRules.check(body, "(body)");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field")).toList()).containsExactlyInAnyOrder("params.stop.1", "(body)");
    assertThat(TextRules.check(new JsonArray().add("\u0000"), "(body)").getJsonObject(0).getString("field")).isEqualTo("0");
    assertThat(TextRules.check("\u0000", "(frame)").getJsonObject(0).getString("field")).isEqualTo("(frame)");
  }

  @Test
  void aHostileValueProducesABoundedList() {
    JsonArray many = new JsonArray();
    for (int i = 0; i < 10_000; i++) many.add("\u0000");
    assertThat(TextRules.check(new JsonObject().put("x", many), "(body)")).hasSize(TextRules.MAX_ERRORS);
  }

  @Test
  void utf8IsCheckedStrictly() {
    assertThat(TextRules.validUtf8("héllo 😀".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(TextRules.validUtf8(new byte[] {(byte) 0xC3, 0x28})).isFalse();
    assertThat(TextRules.validUtf8(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})).isFalse(); // encoded surrogate
    assertThat(TextRules.validUtf8(new byte[] {(byte) 0xC0, (byte) 0xAF})).isFalse(); // overlong '/'
  }
}
