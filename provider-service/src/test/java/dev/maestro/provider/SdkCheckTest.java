package dev.maestro.provider;

import dev.maestro.testkit.NodeDeps;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the fake upstream against the official SDKs from npm ({@code openai}, {@code @anthropic-ai/sdk},
 * {@code @google/genai}): they must parse exactly the text, thinking, tool calls and usage the fake
 * was scripted with, and see its 401 as an authentication error. Runs {@code src/test/node/sdk-check}.
 */
class SdkCheckTest {
  static Vertx vertx;
  static FakeUpstream fake;
  static final String SIG = "EqQBCkYIBxgCKkAsdkCheckSignature==";

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    fake = FakeUpstream.start(vertx, 0).await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static FakeReply plain() {
    return FakeReply.stream(FakeTurn.create().text("Hel", "lo, wö", "rld ✓", "!").usage(12, 4, 3, 0)).chunkDelayMs(5);
  }

  static FakeReply tools() {
    return FakeReply.stream(FakeTurn.create().thinking(SIG, "Let me", " think.").text("Checking ", "both.")
        .toolCall("get_weather", new JsonObject().put("city", "Paris"))
        .toolCall("get_weather", new JsonObject().put("city", "Zürich").put("days", 2))
        .usage(30, 9, 0, 0)).chunkDelayMs(5);
  }

  @Test
  void officialSdksParseExactlyWhatTheFakeWasScriptedWith() throws Exception {
    Path dir = Path.of("src/test/node/sdk-check").toAbsolutePath();
    NodeDeps.ensureInstalled(dir);
    for (int i = 0; i < 4; i++) fake.enqueue(plain()).enqueue(tools());
    Process p = new ProcessBuilder("node", "check.mjs", String.valueOf(fake.port())).directory(dir.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] stdout = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String output = new String(stdout, StandardCharsets.UTF_8).strip();
    assertThat(p.exitValue()).as(output).isZero();
    JsonObject out = new JsonObject(output.substring(output.lastIndexOf('\n') + 1));

    for (String api : new String[] {"chat", "responses", "messages", "gemini"}) {
      JsonObject plain = out.getJsonObject(api).getJsonObject("plain");
      assertThat(plain.getString("text")).as(api).isEqualTo("Hello, wörld ✓!");
      assertThat(plain.getInteger("deltas")).as(api + " deltas").isEqualTo(4);
      assertThat(plain.getJsonObject("usage").getLong("input")).as(api).isEqualTo(12);
      assertThat(plain.getJsonObject("usage").getLong("output")).as(api).isEqualTo(4);
      assertThat(plain.getJsonArray("toolCalls")).as(api).isEmpty();

      JsonObject tools = out.getJsonObject(api).getJsonObject("tools");
      assertThat(tools.getString("text")).as(api).isEqualTo("Checking both.");
      JsonArray calls = tools.getJsonArray("toolCalls");
      assertThat(calls).as(api).hasSize(2);
      assertThat(calls.getJsonObject(0).getString("name")).isEqualTo("get_weather");
      assertThat(calls.getJsonObject(0).getJsonObject("args")).as(api).isEqualTo(new JsonObject().put("city", "Paris"));
      assertThat(calls.getJsonObject(1).getJsonObject("args")).as(api).isEqualTo(new JsonObject().put("city", "Zürich").put("days", 2));
      assertThat(tools.getJsonObject("usage").getLong("input")).as(api).isEqualTo(30);
      assertThat(tools.getJsonObject("usage").getLong("output")).as(api).isEqualTo(9);
    }
    assertThat(out.getJsonObject("chat").getJsonObject("tools").getString("stop")).isEqualTo("tool_calls");
    assertThat(out.getJsonObject("chat").getJsonObject("plain").getString("stop")).isEqualTo("stop");
    JsonObject messages = out.getJsonObject("messages").getJsonObject("tools");
    assertThat(messages.getString("stop")).isEqualTo("tool_use");
    assertThat(messages.getString("thinking")).isEqualTo("Let me think.");
    assertThat(messages.getString("signature")).isEqualTo(SIG);
    assertThat(out.getJsonObject("messages").getJsonObject("plain").getJsonObject("usage").getLong("cacheRead")).isEqualTo(3);
    assertThat(out.getJsonObject("responses").getJsonObject("tools").getString("thinking")).isEqualTo("Let me think.");
    assertThat(out.getJsonObject("responses").getJsonObject("plain").getString("stop")).isEqualTo("completed");
    JsonObject gemini = out.getJsonObject("gemini").getJsonObject("tools");
    assertThat(gemini.getString("thinking")).isEqualTo("Let me think.");
    assertThat(gemini.getJsonArray("toolCalls").getJsonObject(0).getString("signature")).isEqualTo(SIG);
    assertThat(gemini.getString("stop")).isEqualTo("STOP");

    JsonObject errors = out.getJsonObject("errors");
    assertThat(errors.getJsonObject("chat").getInteger("status")).isEqualTo(401);
    assertThat(errors.getJsonObject("messages").getInteger("status")).isEqualTo(401);
    assertThat(errors.getJsonObject("messages").getString("type")).isEqualTo("authentication_error");
    assertThat(errors.getJsonObject("gemini").getInteger("status")).isEqualTo(401);
  }
}
