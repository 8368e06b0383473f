package dev.maestro.tool.mcp;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.NodeDeps;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MCP elicitation against the real server-everything (stdio): its {@code trigger-elicitation-request}
 * tool exists only for a client that declares the elicitation capability, and asks during
 * tools/call. The question must reach session-service (here: its contract on the bus, answered by
 * the test as the user) for the session and call that triggered it, and the answer must reach the server.
 */
class McpElicitationTest {
  static final String TOOL = "everything__trigger-elicitation-request";
  static Vertx vertx;
  static ToolService tools;
  /** requestElicitation messages that reached "session-service": {sessionId, request}. */
  static final List<JsonObject> asked = new CopyOnWriteArrayList<>();
  /** How the user answers: request → {action, content?}, or null to fail the bus request. */
  static volatile Function<JsonObject, JsonObject> user;
  /** How long the user thinks before answering. */
  static volatile long thinkMs;
  static final int REQUEST_TIMEOUT_SECONDS = 8;

  @BeforeAll
  static void start() throws Exception {
    NodeDeps.ensureInstalled(McpServersTest.NODE_DIR);
    vertx = Vertx.vertx();
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    TestEnv.dropSchema(vertx, ToolServiceVerticle.SCHEMA).await(30, TimeUnit.SECONDS);
    // session-service's side of the contract: requestElicitation answered as the user would
    vertx.eventBus().<JsonObject>consumer(SessionService.ADDRESS, McpElicitationTest::session).completion().await(10, TimeUnit.SECONDS);
    JsonObject config = TestEnv.config().put("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", String.valueOf(REQUEST_TIMEOUT_SECONDS));
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
    tools.createMcpServer(new JsonObject().put("name", "everything").put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(McpServersTest.everything().toString()).add("stdio"))
        .put("mounts", new JsonArray().add(McpServersTest.NODE_DIR.toString()))).await(20, TimeUnit.SECONDS);
    McpServersTest.tools = tools;
    McpServersTest.waitForTool(TOOL, true);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void reset() {
    asked.clear();
    thinkMs = 0;
  }

  private static void session(Message<JsonObject> msg) {
    if (!"requestElicitation".equals(msg.headers().get("action"))) {
      msg.fail(ErrorCodes.BAD_REQUEST, "not in this test");
      return;
    }
    asked.add(msg.body());
    JsonObject answer = user.apply(msg.body().getJsonObject("request"));
    Runnable reply = () -> {
      if (answer == null) msg.fail(ErrorCodes.UNAVAILABLE, "nobody there");
      else msg.reply(answer);
    };
    if (thinkMs > 0) vertx.setTimer(thinkMs, t -> reply.run());
    else reply.run();
  }

  private static String call(String sessionId, String callId) throws Exception {
    JsonObject c = new JsonObject().put("callId", callId).put("name", TOOL).put("arguments", new JsonObject())
        .put("timeoutSeconds", 30);
    if (sessionId != null) c.put("sessionId", sessionId);
    return McpServersTest.text(tools.execute(c).await(60, TimeUnit.SECONDS));
  }

  @Test
  void theQuestionReachesTheCallsSessionAndTheAcceptedFormWithDefaultsReachesTheServer() throws Exception {
    user = request -> new JsonObject().put("action", "accept")
        .put("content", ElicitationForm.applyDefaults(request.getJsonObject("schema"), new JsonObject().put("name", "Ada Lovelace")));
    String callId = UUID.randomUUID().toString();
    String text = call("session-1", callId);

    assertThat(asked).hasSize(1);
    assertThat(asked.get(0).getString("sessionId")).isEqualTo("session-1");
    JsonObject request = asked.get(0).getJsonObject("request");
    assertThat(request.getString("callId")).isEqualTo(callId);
    assertThat(request.getString("server")).isEqualTo("everything");
    assertThat(request.getString("message")).isEqualTo("Please provide inputs for the following fields:");
    JsonObject schema = request.getJsonObject("schema");
    assertThat(schema.getJsonObject("properties").getJsonObject("integer").getInteger("default")).isEqualTo(42);
    assertThat(schema.getJsonArray("required")).containsExactly("name");

    assertThat(text).contains("User provided the requested information").contains("Name: Ada Lovelace")
        .contains("Favorite Integer: 42").contains("Favorite Number: 3.14");
  }

  @Test
  void aDeclineReachesTheServer() throws Exception {
    user = request -> new JsonObject().put("action", "decline");
    assertThat(call("session-2", UUID.randomUUID().toString())).contains("User declined");
  }

  @Test
  void aUserWhoTakesLongerThanTheMcpRequestTimeoutStillGetsTheAnswerThrough() throws Exception {
    // the SDK times every request, tools/call included: a call waiting on a person must outlive that bound
    thinkMs = (REQUEST_TIMEOUT_SECONDS + 2) * 1000L;
    user = request -> new JsonObject().put("action", "accept")
        .put("content", ElicitationForm.applyDefaults(request.getJsonObject("schema"), new JsonObject().put("name", "Grace Hopper")));
    assertThat(call("session-4", UUID.randomUUID().toString())).contains("Name: Grace Hopper");
  }

  @Test
  void aCallWithoutASessionIsCancelledWithoutAskingAnybody() throws Exception {
    user = request -> new JsonObject().put("action", "accept").put("content", new JsonObject().put("name", "nobody"));
    assertThat(call(null, UUID.randomUUID().toString())).contains("User cancelled");
    assertThat(asked).isEmpty();
  }

  @Test
  void noAnswerFromSessionServiceIsACancel() throws Exception {
    user = request -> null;
    assertThat(call("session-3", UUID.randomUUID().toString())).contains("User cancelled");
    assertThat(asked).hasSize(1);
  }
}
