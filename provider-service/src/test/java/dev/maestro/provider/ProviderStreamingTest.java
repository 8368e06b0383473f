package dev.maestro.provider;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.provider.support.Harness;
import dev.maestro.provider.support.StreamHandle;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeRequest;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every provider's stream over real HTTP against the fake upstream, through the service proxy: text,
 * several tool calls, thinking, usage, tool results sent back, each error status mapped to its code,
 * model lists and credential checks.
 */
class ProviderStreamingTest {
  static Harness h;
  static FakeUpstream fake;

  record Target(String name, String provider, String model, JsonObject extras) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Target> targets() {
    return Stream.of(
        new Target("anthropic", "anthropic", "claude-sonnet-4-5", new JsonObject()),
        new Target("openai-chat", "openai", "gpt-4o", new JsonObject()),
        new Target("openai-responses", "openai", "gpt-4o", new JsonObject().put("openaiApi", "responses")),
        new Target("gemini", "gemini", "gemini-2.5-flash", new JsonObject()),
        new Target("openai-compatible", "openai-compatible", "llama-3.1-8b", new JsonObject()));
  }

  @BeforeAll
  static void setUp() throws Exception {
    // no retries and no breaker here: this class checks one answer per request
    h = Harness.start(new JsonObject().put(ProviderSettings.MAX_RETRIES, "0").put(ProviderSettings.BREAKER_MAX_FAILURES, "100000"));
    fake = h.fake();
  }

  @AfterAll
  static void tearDown() throws Exception {
    h.close();
  }

  private StreamHandle stream(Target t, String text) throws Exception {
    return stream(t, Harness.request(t.provider, h.credential(t.provider, fake), t.model, text));
  }

  private StreamHandle stream(Target t, JsonObject request) throws Exception {
    request.put("extras", t.extras.copy());
    return h.stream(request);
  }

  private static void assertSingleTerminalLast(StreamHandle s, String type) {
    long terminals = s.events.stream().filter(e -> e.getString("type").equals("done") || e.getString("type").equals("error")).count();
    assertThat(terminals).isEqualTo(1);
    assertThat(s.last().getString("type")).isEqualTo(type);
    assertThat(s.events).allMatch(e -> s.streamId.equals(e.getString("streamId")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void textStreamsInSeveralDeltasThenUsageThenDone(Target t) throws Exception {
    StreamHandle s = stream(t, "hello there, ünïcødé ✓");
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Echo: hello there, ünïcødé ✓");
    assertThat(s.ofType("text")).hasSizeGreaterThanOrEqualTo(4);
    List<JsonObject> usage = s.ofType("usage");
    assertThat(usage).hasSize(1);
    assertThat(usage.get(0).getLong("inputTokens")).isPositive();
    assertThat(usage.get(0).getLong("outputTokens")).isEqualTo(s.ofType("text").size());
    assertThat(s.types().indexOf("usage")).isEqualTo(s.events.size() - 2);
    assertSingleTerminalLast(s, "done");
    assertThat(s.last().getString("stopReason")).isEqualTo("end_turn");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void severalToolCallsArriveWithCompleteArguments(Target t) throws Exception {
    JsonObject a1 = new JsonObject().put("city", "Paris").put("units", "metric");
    JsonObject a2 = new JsonObject().put("tz", "Europe/Paris").put("fmt", new JsonObject().put("h24", true)).put("n", 3);
    StreamHandle s = stream(t, "please call tools get_weather with " + a1.encode() + " and get_time with " + a2.encode());
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Calling get_weather and get_time.");
    List<JsonObject> calls = s.ofType("tool_call");
    assertThat(calls).extracting(c -> c.getString("name")).containsExactly("get_weather", "get_time");
    assertThat(calls.get(0).getJsonObject("arguments")).isEqualTo(a1);
    assertThat(calls.get(1).getJsonObject("arguments")).isEqualTo(a2);
    assertThat(calls).allMatch(c -> c.getString("id") != null && !c.getString("id").isEmpty());
    assertThat(calls.get(0).getString("id")).isNotEqualTo(calls.get(1).getString("id"));
    assertSingleTerminalLast(s, "done");
    assertThat(s.last().getString("stopReason")).isEqualTo("tool_use");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void thinkingComesBeforeTheText(Target t) throws Exception {
    StreamHandle s = stream(t, "think first: hi");
    s.awaitEnd();
    List<String> types = s.types();
    assertThat(types.indexOf("thinking")).isGreaterThanOrEqualTo(0).isLessThan(types.indexOf("text"));
    assertThat(s.thinkingText()).isEqualTo("The user wrote \"think first: hi\". I will answer.");
    assertThat(s.text()).isEqualTo("Echo: think first: hi");
    if (t.provider.equals("anthropic")) {
      assertThat(s.ofType("thinking")).anyMatch(e -> e.getString("signature", "").startsWith("EqQB"));
    }
    assertSingleTerminalLast(s, "done");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void toolResultsGoBackInTheProvidersShape(Target t) throws Exception {
    String callId = t.provider.equals("gemini") ? "gemini-call-123" : "call_77";
    JsonObject req = Harness.request(t.provider, h.credential(t.provider, fake), t.model, "x");
    req.put("system", "Be terse.");
    req.put("tools", new JsonArray().add(new JsonObject().put("name", "get_weather").put("description", "Weather by city")
        .put("inputSchema", new JsonObject().put("type", "object")
            .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string"))))));
    req.put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "call tool get_weather with {\"city\":\"Paris\"}"))
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "Calling get_weather."))
            .add(new JsonObject().put("type", "tool_call").put("callId", callId).put("name", "get_weather")
                .put("arguments", new JsonObject().put("city", "Paris")))))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "tool_result").put("callId", callId).put("content", "18C, cloudy").put("isError", false)))));
    StreamHandle s = stream(t, req);
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Tool get_weather returned: 18C, cloudy");
    assertSingleTerminalLast(s, "done");
    JsonObject body = fake.lastRequest().body();
    switch (fake.lastRequest().wire()) {
      case "anthropic" -> {
        assertThat(body.getString("system")).isEqualTo("Be terse.");
        assertThat(body.getJsonArray("tools").getJsonObject(0).getJsonObject("input_schema").getString("type")).isEqualTo("object");
        JsonObject toolUse = body.getJsonArray("messages").getJsonObject(1).getJsonArray("content").getJsonObject(1);
        assertThat(toolUse.getString("type")).isEqualTo("tool_use");
        assertThat(toolUse.getJsonObject("input").getString("city")).isEqualTo("Paris");
        JsonObject result = body.getJsonArray("messages").getJsonObject(2).getJsonArray("content").getJsonObject(0);
        assertThat(result.getString("type")).isEqualTo("tool_result");
        assertThat(result.getString("tool_use_id")).isEqualTo(callId);
      }
      case "openai-chat" -> {
        JsonArray msgs = body.getJsonArray("messages");
        assertThat(msgs.getJsonObject(0).getString("role")).isEqualTo("system");
        assertThat(msgs.getJsonObject(2).getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function")
            .getString("arguments")).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(msgs.getJsonObject(3).getString("role")).isEqualTo("tool");
        assertThat(msgs.getJsonObject(3).getString("tool_call_id")).isEqualTo(callId);
        assertThat(body.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
        assertThat(body.getJsonArray("tools").getJsonObject(0).getJsonObject("function").getString("name")).isEqualTo("get_weather");
        assertThat(body.containsKey(t.provider.equals("openai") ? "max_completion_tokens" : "max_tokens")).isTrue();
      }
      case "openai-responses" -> {
        assertThat(body.getString("instructions")).isEqualTo("Be terse.");
        JsonArray input = body.getJsonArray("input");
        assertThat(input.getJsonObject(input.size() - 1).getString("type")).isEqualTo("function_call_output");
        assertThat(input.getJsonObject(input.size() - 2).getString("type")).isEqualTo("function_call");
        assertThat(body.getJsonArray("tools").getJsonObject(0).getString("name")).isEqualTo("get_weather");
      }
      case "gemini" -> {
        JsonArray contents = body.getJsonArray("contents");
        assertThat(contents.getJsonObject(1).getString("role")).isEqualTo("model");
        JsonObject fr = contents.getJsonObject(2).getJsonArray("parts").getJsonObject(0).getJsonObject("functionResponse");
        assertThat(fr.getString("name")).isEqualTo("get_weather");
        assertThat(fr.containsKey("id")).isFalse();
        assertThat(body.getJsonObject("systemInstruction").encode()).contains("Be terse.");
        assertThat(body.getJsonArray("tools").getJsonObject(0).getJsonArray("functionDeclarations")).hasSize(1);
      }
      default -> throw new AssertionError(fake.lastRequest().wire());
    }
  }

  static Stream<Arguments> statuses() {
    List<Arguments> out = new ArrayList<>();
    Object[][] map = {{400, ProviderEvents.BAD_REQUEST}, {401, ProviderEvents.AUTH_FAILED}, {403, ProviderEvents.AUTH_FAILED},
        {404, ProviderEvents.BAD_REQUEST}, {413, ProviderEvents.CONTEXT_TOO_LONG}, {429, ProviderEvents.RATE_LIMITED},
        {500, ProviderEvents.UPSTREAM_UNAVAILABLE}, {502, ProviderEvents.UPSTREAM_UNAVAILABLE}, {503, ProviderEvents.OVERLOADED},
        {504, ProviderEvents.TIMEOUT}, {529, ProviderEvents.OVERLOADED}};
    targets().forEach(t -> {
      for (Object[] m : map) out.add(Arguments.of(t, m[0], m[1]));
    });
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("statuses")
  void everyErrorStatusMapsToItsCode(Target t, int status, String code) throws Exception {
    StreamHandle s = stream(t, "please fail with " + status);
    s.awaitEnd();
    assertThat(s.events).hasSize(1);
    assertThat(s.last().getString("type")).isEqualTo("error");
    assertThat(s.last().getString("code")).isEqualTo(code);
    assertThat(s.last().getString("message")).contains(String.valueOf(status));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void oneByteNetworkWritesSplittingUtf8StillDecode(Target t) throws Exception {
    fake.enqueue(FakeReply.stream(dev.maestro.testkit.fake.FakeTurn.create().text("Grüße ", "☀️ 日本", "語 😀")
        .toolCall("écho", new JsonObject().put("q", "naïve ✓"))).fragmentBytes(1));
    StreamHandle s = stream(t, "hi");
    s.awaitEnd();
    assertThat(s.text()).isEqualTo("Grüße ☀️ 日本語 😀");
    assertThat(s.ofType("tool_call").get(0).getJsonObject("arguments").getString("q")).isEqualTo("naïve ✓");
    assertSingleTerminalLast(s, "done");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void contextLengthMessagesMapToContextTooLong(Target t) throws Exception {
    fake.enqueue(FakeReply.error(400).message("prompt is too long: 210000 tokens > 200000 maximum"));
    StreamHandle s = stream(t, "hi");
    s.awaitEnd();
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.CONTEXT_TOO_LONG);
    assertThat(s.last().getString("message")).contains("prompt is too long");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void aRejectedKeyIsAuthFailedAndCarriesTheCredentialTheProviderWay(Target t) throws Exception {
    String cred = h.credential(t.provider, fake, "bad-key-1", "api_key");
    StreamHandle s = stream(t, Harness.request(t.provider, cred, t.model, "hi"));
    s.awaitEnd();
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.AUTH_FAILED);
    FakeRequest r = fake.lastRequest();
    switch (r.wire()) {
      case "anthropic" -> {
        assertThat(r.header("x-api-key")).isEqualTo("bad-key-1");
        assertThat(r.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(r.path()).isEqualTo("/v1/messages");
      }
      case "gemini" -> {
        assertThat(r.header("x-goog-api-key")).isEqualTo("bad-key-1");
        assertThat(r.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
        assertThat(r.params().get("alt")).isEqualTo("sse");
      }
      default -> assertThat(r.header("authorization")).isEqualTo("Bearer bad-key-1");
    }
    assertThat(s.last().getString("message")).doesNotContain("bad-key-1");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void modelListsAndCredentialChecks(Target t) throws Exception {
    String cred = h.credential(t.provider, fake);
    List<JsonObject> models = h.service.listModels(t.provider, cred).await(10, TimeUnit.SECONDS);
    assertThat(models).isNotEmpty();
    assertThat(models).allMatch(m -> t.provider.equals(m.getString("provider")) && m.getString("id") != null
        && m.getString("displayName") != null);
    if (t.provider.equals("gemini")) {
      assertThat(models).extracting(m -> m.getString("id")).contains("gemini-2.5-flash").doesNotContain("text-embedding-004");
      assertThat(models.get(0).getLong("contextWindow")).isPositive();
    }
    if (t.provider.equals("anthropic")) assertThat(models).extracting(m -> m.getString("id")).contains("claude-sonnet-4-5");
    JsonObject ok = h.service.validateCredential(cred).await(10, TimeUnit.SECONDS);
    assertThat(ok.getBoolean("ok")).isTrue();
    JsonObject bad = h.service.validateCredential(h.credential(t.provider, fake, "bad-x", "api_key")).await(10, TimeUnit.SECONDS);
    assertThat(bad.getBoolean("ok")).isFalse();
    assertThat(bad.getString("code")).isEqualTo(ProviderEvents.AUTH_FAILED);
  }
}
