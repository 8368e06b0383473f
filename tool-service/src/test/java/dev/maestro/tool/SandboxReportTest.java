package dev.maestro.tool;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What tool-service reports about its sandbox, end to end through the bus: MAESTRO_SANDBOX=none is in
 * listTools and the health reply (which the gateway's /health repeats); a bwrap that cannot run makes
 * run_command a refusal, also reported.
 */
class SandboxReportTest {
  Vertx vertx;

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  ToolService deploy(JsonObject extra) throws Exception {
    vertx = Vertx.vertx();
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(TestEnv.config().mergeIn(extra)))
        .await(60, TimeUnit.SECONDS);
    return ToolService.createProxy(vertx);
  }

  String reported(ToolService tools) throws Exception {
    JsonObject run = tools.listTools().await(10, TimeUnit.SECONDS).stream()
        .filter(t -> t.getString("name").equals("run_command")).findFirst().orElseThrow();
    JsonObject health = (JsonObject) vertx.eventBus().request(Addresses.health("tool"), new JsonObject()).await(10, TimeUnit.SECONDS).body();
    assertThat(health.getString("sandbox")).isEqualTo(run.getString("sandbox"));
    return run.getString("sandbox");
  }

  JsonObject runCommand(ToolService tools, String command) throws Exception {
    return tools.execute(new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", "report")
        .put("name", "run_command").put("arguments", new JsonObject().put("command", command))).await(60, TimeUnit.SECONDS);
  }

  @Test
  void noneIsReportedAndRunsUnconfined() throws Exception {
    ToolService tools = deploy(new JsonObject().put("MAESTRO_SANDBOX", "none"));
    assertThat(reported(tools)).isEqualTo("none");
    JsonObject r = runCommand(tools, "test -d " + System.getProperty("user.home") + " && echo sees-home");
    assertThat(r.encode()).contains("sees-home");
  }

  @Test
  void aBrokenBwrapIsReportedAndRefused() throws Exception {
    ToolService tools = deploy(new JsonObject().put("MAESTRO_SANDBOX_BWRAP", "/nonexistent/bwrap"));
    assertThat(reported(tools)).isEqualTo("unavailable");
    JsonObject r = runCommand(tools, "echo should-not-run");
    assertThat(r.getBoolean("isError")).isTrue();
    assertThat(r.encode()).contains("refused", "install bubblewrap", "MAESTRO_SANDBOX=none").doesNotContain("should-not-run\\n");
  }
}
