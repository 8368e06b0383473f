package dev.maestro.tool.mcp;

import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client path for the stateless MCP revision 2026-07-28 against {@link Stateless2026Server}: server/discover
 * first (never initialize), every request with the per-request _meta and the MCP-Protocol-Version / Mcp-Method /
 * Mcp-Name headers, tools/list + tools/call (JSON and SSE with progress), resources and prompts, the revision shown
 * as protocolVersion, and the Tasks extension: a task polled (through a server outage) to completion with its
 * status messages as progress, and a task cancelled with tasks/cancel; input-required results (SEP-2322) answered
 * by the session's user (session-service's requestElicitation, played by the test) and roots, then called again;
 * and a task that needs input mid-way (input_required on tasks/get, answered with tasks/update; declined or
 * never answered, the task is cancelled).
 * The fallback to initialize against a 2025
 * server is {@link McpServersTest#everythingOverStreamableHttp} (server-everything answers server/discover with 400).
 */
class McpStatelessRevisionTest {
  static Vertx vertx;
  static ToolService tools;
  static final Stateless2026Server server = new Stateless2026Server();
  static String serverId;
  /** requestElicitation messages that reached "session-service"; the user answers with {@link #answer}. */
  static final List<JsonObject> asked = new CopyOnWriteArrayList<>();
  static volatile JsonObject answer = new JsonObject().put("action", "cancel");
  /** While set, questions wait in {@link #held} for the test to answer. */
  static volatile boolean hold;
  static final List<io.vertx.core.eventbus.Message<JsonObject>> held = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = McpServersTest.freshToolSchema();
    vertx.eventBus().<JsonObject>consumer(dev.maestro.contracts.session.SessionService.ADDRESS, m -> {
      if (!"requestElicitation".equals(m.headers().get("action"))) {
        m.fail(400, "not in this test");
        return;
      }
      asked.add(m.body());
      if (hold) held.add(m);   // the user takes their time: the test answers (or never does)
      else m.reply(answer);
    }).completion().await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(TestEnv.config()
        .put("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", "20"))).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
    int port = server.start(vertx).await(10, TimeUnit.SECONDS);
    serverId = tools.createMcpServer(new JsonObject().put("name", "new").put("transport", "http")
        .put("url", "http://127.0.0.1:" + port + "/mcp")).await(20, TimeUnit.SECONDS).getString("id");
    McpCancellationTest.waitFor(() -> tools.getMcpServer(serverId).await(10, TimeUnit.SECONDS), McpServersTest::connected,
        "2026-07-28 server connected");
    McpCancellationTest.waitFor(() -> tools.listTools().await(10, TimeUnit.SECONDS),
        l -> l.stream().anyMatch(t -> t.getString("name").equals("new__stuck_job")), "its tools listed");
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  static JsonObject call(String callId, String tool, JsonObject args, String progressAddress) {
    JsonObject c = new JsonObject().put("callId", callId).put("sessionId", "mcp-2026").put("name", tool)
        .put("arguments", args).put("timeoutSeconds", 30);
    if (progressAddress != null) c.put("progressAddress", progressAddress);
    return c;
  }

  static List<String> progressOn(String address) {
    List<String> texts = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(address, m -> texts.add(m.body().getString("text")));
    return texts;
  }

  @Test
  void discoverFirstThenListAndCallStatelessly() throws Exception {
    JsonObject shown = tools.getMcpServer(serverId).await(10, TimeUnit.SECONDS);
    assertThat(shown.getString("protocolVersion")).isEqualTo("2026-07-28");
    assertThat(server.seen.get(0).method()).isEqualTo("server/discover");
    assertThat(server.seen("initialize")).as("no initialize handshake in this revision").isEmpty();

    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__echo", new JsonObject().put("message", "hi"), null))
        .await(30, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    assertThat(McpServersTest.text(r)).isEqualTo("echo: hi");

    Stateless2026Server.Seen seenCall = server.seen("tools/call").stream()
        .filter(c -> "echo".equals(c.params().getString("name"))).findFirst().orElseThrow();
    assertThat(seenCall.header("MCP-Protocol-Version")).isEqualTo("2026-07-28");
    assertThat(seenCall.header("Mcp-Method")).isEqualTo("tools/call");
    assertThat(seenCall.header("Mcp-Name")).isEqualTo("echo");
    assertThat(seenCall.header("Mcp-Session-Id")).isNull();
    JsonObject meta = seenCall.params().getJsonObject("_meta");
    assertThat(meta.getString("io.modelcontextprotocol/protocolVersion")).isEqualTo("2026-07-28");
    assertThat(meta.getJsonObject("io.modelcontextprotocol/clientInfo").getString("name")).isEqualTo("maestro");
    assertThat(meta.getJsonObject("io.modelcontextprotocol/clientCapabilities").getJsonObject("extensions")
        .containsKey("io.modelcontextprotocol/tasks")).isTrue();
    assertThat(meta.getString("progressToken")).isNotBlank();
    Stateless2026Server.Seen list = server.seen("tools/list").get(0);
    assertThat(list.header("Mcp-Method")).isEqualTo("tools/list");
    assertThat(list.params().getJsonObject("_meta").containsKey("io.modelcontextprotocol/clientInfo")).isTrue();

    assertThat(tools.mcpInstructions(List.of("new__echo")).await(10, TimeUnit.SECONDS).toString()).contains("Use echo");
  }

  @Test
  void unsupportedVersionNamingOursIsRetriedOnce() throws Exception {
    server.refuseVersionNext.set(1);
    int calls = server.seen("tools/call").size();
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__echo", new JsonObject().put("message", "again"), null))
        .await(30, TimeUnit.SECONDS);
    assertThat(McpServersTest.text(r)).as(r.encode()).isEqualTo("echo: again");
    assertThat(server.seen("tools/call")).hasSize(calls + 2);
  }

  @Test
  void progressOnTheRequestStream() throws Exception {
    String address = "test.progress." + UUID.randomUUID();
    List<String> progress = progressOn(address);
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__count", new JsonObject(), address)).await(30, TimeUnit.SECONDS);
    assertThat(McpServersTest.text(r)).isEqualTo("counted to 2");
    Awaitility.await("progress delivered").atMost(Duration.ofSeconds(10)).until(() -> progress.size() >= 2);
    assertThat(progress).containsExactly("counted 1", "counted 2");
  }

  @Test
  void resourcesAndPromptsStatelessly() throws Exception {
    List<JsonObject> res = tools.listMcpResources(serverId).await(20, TimeUnit.SECONDS);
    assertThat(res).extracting(j -> j.getString("uri")).containsExactly("note://hello");
    JsonObject read = tools.readMcpResource(serverId, "note://hello", null).await(20, TimeUnit.SECONDS);
    assertThat(read.getString("text")).isEqualTo("hello from 2026");
    assertThat(server.seen("resources/read").get(0).header("Mcp-Name")).isEqualTo("note://hello");
    assertThat(server.seen("resources/subscribe")).isEmpty();

    List<JsonObject> prompts = tools.listMcpPrompts(serverId).await(20, TimeUnit.SECONDS);
    assertThat(prompts).extracting(j -> j.getString("name")).containsExactly("greet");
    JsonObject got = tools.getMcpPrompt(serverId, "greet", new JsonObject().put("who", "Ada"), null).await(20, TimeUnit.SECONDS);
    assertThat(got.encode()).contains("Say hello to Ada");
    assertThat(server.seen("prompts/get").get(0).header("Mcp-Name")).isEqualTo("greet");
  }

  @Test
  void taskIsPolledThroughAnOutageToCompletion() throws Exception {
    String address = "test.progress." + UUID.randomUUID();
    List<String> progress = progressOn(address);
    int pollsBefore = server.seen("tasks/get").size();
    server.failNextPolls.set(2);   // the server "restarts": two polls fail, the task lives on
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__long_job", new JsonObject().put("steps", 3), address))
        .await(30, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    assertThat(McpServersTest.text(r)).isEqualTo("long job finished in 3 steps");
    List<Stateless2026Server.Seen> polls = server.seen("tasks/get").subList(pollsBefore, server.seen("tasks/get").size());
    assertThat(polls).as("2 refused polls, then 3 answered").hasSize(5);
    String taskId = polls.get(0).params().getString("taskId");
    assertThat(polls).allSatisfy(p -> {
      assertThat(p.header("Mcp-Name")).isEqualTo(taskId);
      assertThat(p.params().getString("taskId")).isEqualTo(taskId);
    });
    assertThat(server.tasks.get(taskId).getString("status")).isEqualTo("completed");
    Awaitility.await("status messages as progress").atMost(Duration.ofSeconds(10)).until(() -> progress.contains("done after 3 steps"));
    assertThat(progress).containsSubsequence("started", "step 1/3", "step 2/3", "done after 3 steps");
  }

  @Test
  void cancelledCallCancelsItsTask() throws Exception {
    String address = "test.progress." + UUID.randomUUID();
    List<String> progress = progressOn(address);
    String callId = UUID.randomUUID().toString();
    Future<JsonObject> result = tools.execute(call(callId, "new__stuck_job", new JsonObject(), address));
    Awaitility.await("the task is being polled").atMost(Duration.ofSeconds(20)).until(() -> progress.contains("step 2"));
    tools.cancelCall("mcp-2026", callId).await(10, TimeUnit.SECONDS);
    JsonObject r = result.await(10, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).isTrue();
    assertThat(McpServersTest.text(r)).contains("call cancelled");
    Stateless2026Server.Seen cancel = Awaitility.await("tasks/cancel sent").atMost(Duration.ofSeconds(10))
        .until(() -> server.seen("tasks/cancel").stream().findFirst().orElse(null), java.util.Objects::nonNull);
    String taskId = cancel.params().getString("taskId");
    assertThat(cancel.header("Mcp-Name")).isEqualTo(taskId);
    assertThat(server.tasks.get(taskId).getString("status")).isEqualTo("cancelled");
    int polls = server.seen("tasks/get").size();
    // a cancelled task is not polled any more (five poll intervals of quiet)
    Awaitility.await("no more polls").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
        .until(() -> server.seen("tasks/get").size() == polls);
  }

  @Test
  void xMcpHeaderParametersAreMirroredAndInvalidToolsLeftOut() throws Exception {
    List<String> names = tools.listTools().await(10, TimeUnit.SECONDS).stream().map(t -> t.getString("name")).toList();
    assertThat(names).contains("new__regional").doesNotContain("new__bad_header");
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__regional",
        new JsonObject().put("region", "Zürich").put("query", "x"), null)).await(30, TimeUnit.SECONDS);
    assertThat(McpServersTest.text(r)).as(r.encode()).isEqualTo("region Zürich");
    Stateless2026Server.Seen seenCall = server.seen("tools/call").stream()
        .filter(c -> "regional".equals(c.params().getString("name"))).findFirst().orElseThrow();
    assertThat(seenCall.header("Mcp-Param-Region")).isEqualTo("=?base64?WsO8cmljaA==?=");
  }

  @Test
  void inputRequiredIsAnsweredByTheUserAndTheCallRepeated() throws Exception {
    answer = new JsonObject().put("action", "accept").put("content", new JsonObject().put("name", "Ada"));
    asked.clear();
    String callId = UUID.randomUUID().toString();
    JsonObject r = tools.execute(call(callId, "new__ask", new JsonObject().put("nested", new JsonObject().put("k", 1)), null))
        .await(30, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    assertThat(McpServersTest.text(r)).startsWith("hello Ada in file://").contains("mcp-2026");

    // the question went to the session's user for this call, with the server's form
    assertThat(asked).hasSize(1);
    JsonObject request = asked.get(0).getJsonObject("request");
    assertThat(asked.get(0).getString("sessionId")).isEqualTo("mcp-2026");
    assertThat(request.getString("callId")).isEqualTo(callId);
    assertThat(request.getString("message")).isEqualTo("Who are you?");
    assertThat(request.getJsonObject("schema").getJsonArray("required").getList()).containsExactly("name");

    List<Stateless2026Server.Seen> rounds = server.seen("tools/call").stream().filter(c -> "ask".equals(c.params().getString("name"))).toList();
    assertThat(rounds).hasSize(2);
    assertThat(rounds.get(0).params().containsKey("inputResponses")).isFalse();
    assertThat(rounds.get(0).params().containsKey("requestState")).isFalse();
    JsonObject retry = rounds.get(1).params();
    assertThat(retry.getJsonObject("arguments")).isEqualTo(new JsonObject().put("nested", new JsonObject().put("k", 1)));
    assertThat(retry.getString("requestState")).startsWith("state-");
    assertThat(retry.getJsonObject("inputResponses").getJsonObject("who"))
        .isEqualTo(new JsonObject().put("action", "accept").put("content", new JsonObject().put("name", "Ada")));
    JsonObject caps = rounds.get(0).params().getJsonObject("_meta").getJsonObject("io.modelcontextprotocol/clientCapabilities");
    assertThat(caps.containsKey("elicitation")).isTrue();
    assertThat(caps.containsKey("roots")).isTrue();
    assertThat(caps.containsKey("sampling")).as("not offered, not announced").isFalse();
  }

  @Test
  void inputSchemasKeepEveryJsonSchemaKeyword() throws Exception {
    JsonObject tool = tools.listTools().await(10, TimeUnit.SECONDS).stream().filter(t -> t.getString("name").equals("new__schema2020"))
        .findFirst().orElseThrow();
    assertThat(tool.getJsonObject("inputSchema")).isEqualTo(Stateless2026Server.SCHEMA_2020);
  }

  @Test
  void aDeclinedQuestionIsSentBackAsDeclined() throws Exception {
    answer = new JsonObject().put("action", "decline");
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__ask", new JsonObject(), null)).await(30, TimeUnit.SECONDS);
    assertThat(McpServersTest.text(r)).as(r.encode()).isEqualTo("you said decline");
  }

  @Test
  void anInputRequestMaestroDoesNotOfferEndsTheCallWithoutARetry() throws Exception {
    int before = server.seen("tools/call").size();
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__sample", new JsonObject(), null)).await(30, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).isTrue();
    assertThat(McpServersTest.text(r)).contains("sampling/createMessage").contains("does not offer");
    assertThat(server.seen("tools/call")).hasSize(before + 1);
  }

  /** A paint_job call whose task now waits for the user's answer (held, not yet given). */
  record HeldTask(String callId, Future<JsonObject> result, String taskId) { }

  /** Starts paint_job with answers held (the caller's finally sets {@code hold = false}) and waits until the user is asked. */
  private static HeldTask paintJobWaitingOnTheUser() {
    asked.clear();
    held.clear();
    hold = true;
    java.util.Set<String> before = java.util.Set.copyOf(server.tasks.keySet());
    String callId = UUID.randomUUID().toString();
    Future<JsonObject> result = tools.execute(call(callId, "new__paint_job", new JsonObject(), null));
    String taskId = newPaintTask(before);
    Awaitility.await("the user asked").atMost(Duration.ofSeconds(20)).until(() -> held.size() == 1);
    return new HeldTask(callId, result, taskId);
  }

  /** A task started by paint_job; its id (the server's). */
  private static String newPaintTask(java.util.Set<String> before) {
    return Awaitility.await("the task created").atMost(Duration.ofSeconds(10)).until(() -> server.tasks.keySet().stream()
        .filter(id -> !before.contains(id)).findFirst().orElse(null), java.util.Objects::nonNull);
  }

  private static List<Stateless2026Server.Seen> seenFor(String method, String taskId) {
    return server.seen(method).stream().filter(s -> taskId.equals(s.params().getString("taskId"))).toList();
  }

  @Test
  void aTaskAskingMidWayIsAnsweredOnceAndCompletesWithTheAnswer() throws Exception {
    try {
      HeldTask task = paintJobWaitingOnTheUser();
      String callId = task.callId();
      Future<JsonObject> result = task.result();
      String taskId = task.taskId();
      // the task stays input_required with the same request while the user thinks: polled on, asked once
      int polls = seenFor("tasks/get", taskId).size();
      Awaitility.await("polled on while waiting").atMost(Duration.ofSeconds(10)).until(() -> seenFor("tasks/get", taskId).size() >= polls + 3);
      assertThat(held).hasSize(1);
      assertThat(seenFor("tasks/update", taskId)).isEmpty();
      JsonObject request = asked.get(0).getJsonObject("request");
      assertThat(request.getString("callId")).isEqualTo(callId);
      assertThat(request.getString("message")).isEqualTo("Which color?");
      assertThat(request.getJsonObject("schema").getJsonArray("required").getList()).containsExactly("color");

      held.get(0).reply(new JsonObject().put("action", "accept").put("content", new JsonObject().put("color", "teal")));
      JsonObject r = result.await(30, TimeUnit.SECONDS);
      assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
      assertThat(McpServersTest.text(r)).isEqualTo("painted teal");
      assertThat(asked).hasSize(1);
      List<Stateless2026Server.Seen> updates = seenFor("tasks/update", taskId);
      assertThat(updates).hasSize(1);
      assertThat(updates.get(0).header("Mcp-Name")).isEqualTo(taskId);
      String key = server.tasks.get(taskId).getString("inputKey");
      assertThat(updates.get(0).params().getJsonObject("inputResponses")).isEqualTo(new JsonObject().put(key,
          new JsonObject().put("action", "accept").put("content", new JsonObject().put("color", "teal"))));
      assertThat(seenFor("tasks/cancel", taskId)).isEmpty();
    } finally {
      hold = false;
    }
  }

  @Test
  void aQuestionDeclinedOrDismissedInATaskEndsTheCallAndCancelsTheTask() throws Exception {
    for (String action : List.of("decline", "cancel")) {
      answer = new JsonObject().put("action", action);
      java.util.Set<String> before = java.util.Set.copyOf(server.tasks.keySet());
      JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__paint_job", new JsonObject(), null)).await(30, TimeUnit.SECONDS);
      String taskId = newPaintTask(before);
      assertThat(r.getBoolean("isError")).as(r.encode()).isTrue();
      assertThat(McpServersTest.text(r)).isEqualTo("The user " + ("decline".equals(action) ? "declined" : "dismissed")
          + " the input MCP server 'new' asked for during the task; the task was cancelled");
      // the answer was delivered (as for a standalone elicitation), then the task cancelled: the server alone would wait on
      List<Stateless2026Server.Seen> updates = seenFor("tasks/update", taskId);
      assertThat(updates).hasSize(1);
      assertThat(updates.get(0).params().getJsonObject("inputResponses").getJsonObject(server.tasks.get(taskId).getString("inputKey"))
          .getString("action")).isEqualTo(action);
      Awaitility.await("tasks/cancel sent").atMost(Duration.ofSeconds(10)).until(() -> seenFor("tasks/cancel", taskId).size() == 1);
      assertThat(server.tasks.get(taskId).getString("status")).isEqualTo("cancelled");
    }
  }

  @Test
  void aTaskAskingForWhatMaestroDoesNotOfferEndsTheCallAndIsCancelled() throws Exception {
    java.util.Set<String> before = java.util.Set.copyOf(server.tasks.keySet());
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "new__paint_job", new JsonObject().put("sampling", true), null))
        .await(30, TimeUnit.SECONDS);
    String taskId = newPaintTask(before);
    assertThat(r.getBoolean("isError")).as(r.encode()).isTrue();
    assertThat(McpServersTest.text(r)).contains("sampling/createMessage").contains("does not offer").contains("the task was cancelled");
    assertThat(seenFor("tasks/update", taskId)).isEmpty();
    Awaitility.await("tasks/cancel sent").atMost(Duration.ofSeconds(10)).until(() -> seenFor("tasks/cancel", taskId).size() == 1);
    assertThat(server.tasks.get(taskId).getString("status")).isEqualTo("cancelled");
  }

  @Test
  void aQuestionNeverAnsweredThenTheTurnCancelledCancelsTheTask() throws Exception {
    try {
      HeldTask task = paintJobWaitingOnTheUser();
      String callId = task.callId();
      Future<JsonObject> result = task.result();
      String taskId = task.taskId();
      tools.cancelCall("mcp-2026", callId).await(10, TimeUnit.SECONDS);
      JsonObject r = result.await(10, TimeUnit.SECONDS);
      assertThat(r.getBoolean("isError")).isTrue();
      assertThat(McpServersTest.text(r)).contains("call cancelled");
      Awaitility.await("tasks/cancel sent").atMost(Duration.ofSeconds(10)).until(() -> seenFor("tasks/cancel", taskId).size() == 1);
      assertThat(seenFor("tasks/cancel", taskId).get(0).header("Mcp-Name")).isEqualTo(taskId);
      assertThat(server.tasks.get(taskId).getString("status")).isEqualTo("cancelled");
      // the late answer changes nothing: no tasks/update for a cancelled call
      held.get(0).reply(new JsonObject().put("action", "accept").put("content", new JsonObject().put("color", "red")));
      int polls = seenFor("tasks/get", taskId).size();
      Awaitility.await("quiet after cancel").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
          .until(() -> seenFor("tasks/get", taskId).size() == polls && seenFor("tasks/update", taskId).isEmpty());
    } finally {
      hold = false;
    }
  }

  @Test
  void headerValuesOutsidePlainAsciiAreBase64Encoded() {
    assertThat(StatelessHttpClient.headerValue("get_weather")).isEqualTo("get_weather");
    assertThat(StatelessHttpClient.headerValue("Hello, 世界")).isEqualTo("=?base64?SGVsbG8sIOS4lueVjA==?=");
    assertThat(StatelessHttpClient.headerValue(" padded ")).isEqualTo("=?base64?IHBhZGRlZCA=?=");
    assertThat(StatelessHttpClient.headerValue("=?base64?literal?=")).isEqualTo("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=");
  }
}
