package dev.maestro.tool;

import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ToolService over the event bus against the real PostgreSQL: registry, policies, validation. */
class ToolServicePolicyTest {
  static Vertx vertx;
  static ToolService tools;
  static JsonObject config;
  static String deployment;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    TestEnv.dropSchema(vertx, ToolServiceVerticle.SCHEMA).await(30, TimeUnit.SECONDS);
    config = TestEnv.config();
    deployment = vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config))
        .await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static JsonObject exec(String name, JsonObject args) throws Exception {
    return tools.execute(new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", "pol")
        .put("name", name).put("arguments", args)).await(60, TimeUnit.SECONDS);
  }

  static String text(JsonObject result) {
    return result.getJsonArray("content").getJsonObject(0).getString("text");
  }

  @Test
  void listsBuiltinsWithDefaultPolicies() throws Exception {
    List<JsonObject> list = tools.listTools().await(10, TimeUnit.SECONDS);
    assertThat(list).extracting(j -> j.getString("name"))
        .contains("read_file", "write_file", "edit_file", "list_dir", "glob", "grep", "run_command");
    for (JsonObject t : list) {
      assertThat(t.getString("source")).isEqualTo("builtin");
      assertThat(t.getJsonObject("inputSchema").getString("type")).isEqualTo("object");
      String expected = List.of("read_file", "list_dir", "glob", "grep").contains(t.getString("name")) ? "allow" : "ask";
      assertThat(t.getString("policy")).as(t.getString("name")).isEqualTo(expected);
      assertThat(t.getString("name")).matches("^[a-zA-Z0-9_-]{1,64}$");
    }
    JsonObject run = list.stream().filter(t -> t.getString("name").equals("run_command")).findFirst().orElseThrow();
    assertThat(run.getString("sandbox")).isEqualTo("bubblewrap");
    JsonObject health = (JsonObject) vertx.eventBus().request(dev.maestro.contracts.Addresses.health("tool"), new JsonObject())
        .await(10, TimeUnit.SECONDS).body();
    assertThat(health.getString("sandbox")).isEqualTo("bubblewrap");
  }

  @Test
  void allowAndAskRunDenyRefuses() throws Exception {
    JsonObject w = exec("write_file", new JsonObject().put("path", "p.txt").put("content", "policy"));
    assertThat(w.getBoolean("isError")).as(w.encode()).isFalse();   // ask: the session asked the user already
    JsonObject r = exec("read_file", new JsonObject().put("path", "p.txt"));
    assertThat(r.getBoolean("isError")).isFalse();                   // allow
    assertThat(text(r)).isEqualTo("policy\n");
    assertThat(r.getString("callId")).isNotBlank();

    tools.updateTool("edit_file", new JsonObject().put("policy", "deny")).await(10, TimeUnit.SECONDS);
    JsonObject denied = exec("edit_file", new JsonObject().put("path", "p.txt").put("old", "policy").put("new", "x"));
    assertThat(denied.getBoolean("isError")).isTrue();
    assertThat(text(denied)).contains("denied by policy");
    assertThat(text(exec("read_file", new JsonObject().put("path", "p.txt")))).isEqualTo("policy\n");
    tools.updateTool("edit_file", new JsonObject().put("policy", "ask")).await(10, TimeUnit.SECONDS);
  }

  @Test
  void schemaInvalidArgumentsAreIsError() throws Exception {
    JsonObject missing = exec("read_file", new JsonObject());
    assertThat(missing.getBoolean("isError")).isTrue();
    assertThat(text(missing)).contains("invalid arguments for 'read_file'").contains("path");
    JsonObject wrongType = exec("read_file", new JsonObject().put("path", 42));
    assertThat(text(wrongType)).contains("invalid arguments");
    JsonObject extra = exec("glob", new JsonObject().put("pattern", "*").put("rm", "-rf"));
    assertThat(text(extra)).contains("invalid arguments");
    JsonObject badTimeout = exec("run_command", new JsonObject().put("command", "true").put("timeoutSeconds", 0));
    assertThat(badTimeout.getBoolean("isError")).isTrue();
    assertThat(text(badTimeout)).contains("timeoutSeconds");
    JsonObject notJson = tools.execute(new JsonObject().put("callId", "c").put("sessionId", "pol").put("name", "glob")
        .put("arguments", "{not json")).await(10, TimeUnit.SECONDS);
    assertThat(text(notJson)).contains("not a JSON object");
  }

  @Test
  void unknownAndDisabledToolsAreIsError() throws Exception {
    JsonObject unknown = exec("rm_rf", new JsonObject());
    assertThat(unknown.getBoolean("isError")).isTrue();
    assertThat(text(unknown)).contains("unknown tool 'rm_rf'", "read_file");

    tools.updateTool("grep", new JsonObject().put("enabled", false)).await(10, TimeUnit.SECONDS);
    JsonObject disabled = exec("grep", new JsonObject().put("pattern", "x"));
    assertThat(text(disabled)).contains("disabled");
    assertThat(tools.toolsForSession("pol", List.of()).await(10, TimeUnit.SECONDS))
        .extracting(j -> j.getString("name")).doesNotContain("grep").contains("glob");
    tools.updateTool("grep", new JsonObject().put("enabled", true)).await(10, TimeUnit.SECONDS);
    assertThat(tools.toolsForSession("pol", List.of("grep", "glob")).await(10, TimeUnit.SECONDS))
        .extracting(j -> j.getString("name")).containsExactlyInAnyOrder("grep", "glob");
  }

  /** Issue 14: sessions cache their tool lists, so every change of a tool's settings is announced on the bus. */
  @Test
  void aToolsSettingsChangeIsAnnouncedForTheSessionsCaches() throws Exception {
    List<JsonObject> heard = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(dev.maestro.contracts.Addresses.TOOLS_CHANGED, m -> heard.add(m.body()))
        .completion().await(10, TimeUnit.SECONDS);
    tools.updateTool("list_dir", new JsonObject().put("enabled", false)).await(10, TimeUnit.SECONDS);
    tools.updateTool("list_dir", new JsonObject().put("enabled", true).put("policy", "allow")).await(10, TimeUnit.SECONDS);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() >= 2);
    assertThat(heard).allSatisfy(c -> {
      assertThat(c.getString("reason")).isEqualTo("tool_updated");
      assertThat(c.getString("tool")).isEqualTo("list_dir");
    });
  }

  @Test
  void badUpdatesAreRejectedAndSettingsPersist() throws Exception {
    assertThatThrownBy(() -> tools.updateTool("read_file", new JsonObject().put("policy", "sometimes")).await(10, TimeUnit.SECONDS))
        .isInstanceOf(ServiceException.class).hasMessageContaining("invalid tool update")
        .satisfies(e -> assertThat(((ServiceException) e).getDebugInfo().getJsonArray("errors").encode()).contains("policy"));
    assertThatThrownBy(() -> tools.updateTool("nope", new JsonObject().put("enabled", false)).await(10, TimeUnit.SECONDS))
        .isInstanceOf(ServiceException.class).satisfies(e -> assertThat(((ServiceException) e).failureCode()).isEqualTo(404));

    tools.updateTool("list_dir", new JsonObject().put("policy", "deny").put("enabled", false)).await(10, TimeUnit.SECONDS);
    vertx.undeploy(deployment).await(30, TimeUnit.SECONDS);
    deployment = vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    JsonObject listDir = tools.listTools().await(10, TimeUnit.SECONDS).stream()
        .filter(t -> t.getString("name").equals("list_dir")).findFirst().orElseThrow();
    assertThat(listDir.getString("policy")).isEqualTo("deny");
    assertThat(listDir.getBoolean("enabled")).isFalse();
    tools.updateTool("list_dir", new JsonObject().put("policy", "allow").put("enabled", true)).await(10, TimeUnit.SECONDS);
  }

  @Test
  void runCommandStreamsProgressToTheAddressAndCanBeCancelled() throws Exception {
    String address = "test.progress." + UUID.randomUUID();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(address, m -> events.add(m.body())).completion().await(10, TimeUnit.SECONDS);
    String callId = UUID.randomUUID().toString();
    var pending = tools.execute(new JsonObject().put("callId", callId).put("sessionId", "pol").put("name", "run_command")
        .put("arguments", new JsonObject().put("command", "echo first-line; sleep 30; echo never"))
        .put("progressAddress", address));
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> !events.isEmpty());
    assertThat(events).isNotEmpty();
    assertThat(events.get(0).getString("callId")).isEqualTo(callId);
    assertThat(events.get(0).getString("type")).isEqualTo("progress");
    assertThat(events.get(0).getString("text")).contains("first-line");
    tools.cancelCall("pol", callId).await(10, TimeUnit.SECONDS);
    JsonObject result = pending.await(20, TimeUnit.SECONDS);
    assertThat(result.getBoolean("isError")).isTrue();
    assertThat(text(result)).contains("first-line", "cancelled").doesNotContain("never");
  }

  /** Sub-agents: session-service sends a child's calls with its parent's workspaceId; the call stays the child's. */
  @Test
  void aCallWithAWorkspaceIdUsesThatWorkspace() throws Exception {
    String file = "from-child-" + UUID.randomUUID() + ".txt";
    JsonObject written = tools.execute(new JsonObject().put("callId", "w1").put("sessionId", "child-ws").put("workspaceId", "parent-ws")
        .put("name", "write_file").put("arguments", new JsonObject().put("path", file).put("content", "hello parent")))
        .await(60, TimeUnit.SECONDS);
    assertThat(written.getBoolean("isError")).as(text(written)).isFalse();
    JsonObject inParent = tools.execute(new JsonObject().put("callId", "r1").put("sessionId", "parent-ws").put("name", "read_file")
        .put("arguments", new JsonObject().put("path", file))).await(60, TimeUnit.SECONDS);
    assertThat(text(inParent)).contains("hello parent");
    JsonObject inChild = tools.execute(new JsonObject().put("callId", "r2").put("sessionId", "child-ws").put("name", "read_file")
        .put("arguments", new JsonObject().put("path", file))).await(60, TimeUnit.SECONDS);
    assertThat(inChild.getBoolean("isError")).isTrue();
  }

  /** Hostile: call ids are chosen by the model, so another session can know or guess them. */
  @Test
  void aCallIdIsScopedToItsSession() throws Exception {
    String callId = "call_1";   // what every model names its first call
    String markerA = "6" + (System.nanoTime() % 100000) + ".5";
    String markerB = "7" + (System.nanoTime() % 100000) + ".5";
    var victim = tools.execute(new JsonObject().put("callId", callId).put("sessionId", "victim").put("name", "run_command")
        .put("arguments", new JsonObject().put("command", "sleep " + markerA + "; echo victim-finished").put("timeoutSeconds", 20)));
    var attacker = tools.execute(new JsonObject().put("callId", callId).put("sessionId", "attacker").put("name", "run_command")
        .put("arguments", new JsonObject().put("command", "sleep " + markerB + "; echo attacker-finished")));
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
        .until(() -> processes("sleep " + markerA) > 0 && processes("sleep " + markerB) > 0);
    assertThat(processes("sleep " + markerA)).as("victim's command running").isPositive();
    // The attacker cancels "its" call_1 and a made-up session's: only its own command stops.
    tools.cancelCall("attacker", callId).await(10, TimeUnit.SECONDS);
    tools.cancelCall("nobody", callId).await(10, TimeUnit.SECONDS);
    tools.cancelCall(null, callId).await(10, TimeUnit.SECONDS);
    JsonObject stopped = attacker.await(20, TimeUnit.SECONDS);
    assertThat(text(stopped)).contains("cancelled").doesNotContain("attacker-finished");
    assertThat(processes("sleep " + markerA)).as("the victim's command survived another session's cancel").isPositive();
    // The victim's own session can still cancel it: the entry was not overwritten by the attacker's call.
    tools.cancelCall("victim", callId).await(10, TimeUnit.SECONDS);
    JsonObject victimResult = victim.await(20, TimeUnit.SECONDS);
    assertThat(text(victimResult)).contains("cancelled").doesNotContain("victim-finished");
  }

  static long processes(String commandLine) {
    return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(commandLine)).count();
  }
}
