package dev.maestro.tool;

import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.DeadRequesterWatch;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A command started on behalf of a session node that dies (its Hazelcast member terminated, as by kill -9)
 * is killed: it would otherwise run for nobody ({@link DeadRequesterWatch}).
 */
class DeadRequesterCommandTest {
  static Vertx toolNode;
  static Vertx requester;
  static ToolService tools;

  @BeforeAll
  static void start() throws Exception {
    String cluster = "tool-dead-requester-" + UUID.randomUUID();
    toolNode = ClusterNodes.start(cluster);
    TestEnv.ensureDatabase(toolNode).await(30, TimeUnit.SECONDS);
    toolNode.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(TestEnv.config())).await(60, TimeUnit.SECONDS);
    requester = ClusterNodes.start(cluster);
    tools = ToolService.createProxy(toolNode);
  }

  @AfterAll
  static void stop() {
    for (Vertx v : new Vertx[] {requester, toolNode}) {
      try {
        if (v != null) v.close().await(15, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the terminated member may not close cleanly
      }
    }
  }

  @Test
  void aLongCommandOfANodeThatLeavesIsKilled() throws Exception {
    String marker = "sleep 4" + (System.nanoTime() % 100000) + ".5";
    String control = "sleep 5" + (System.nanoTime() % 100000) + ".5";
    Future<JsonObject> orphan = tools.execute(call(marker).put(DeadRequesterWatch.FIELD, DeadRequesterWatch.localNode(requester)));
    // a call of a node that stays (this one) keeps running
    Future<JsonObject> kept = tools.execute(call(control).put(DeadRequesterWatch.FIELD, DeadRequesterWatch.localNode(toolNode)));
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
        .until(() -> processes(marker) > 0 && processes(control) > 0);

    ((HazelcastClusterManager) ((VertxInternal) requester).clusterManager()).getHazelcastInstance().getLifecycleService().terminate();

    JsonObject result = orphan.await(30, TimeUnit.SECONDS);
    assertThat(result.getBoolean("isError")).isTrue();
    assertThat(result.getJsonArray("content").getJsonObject(0).getString("text")).contains("cancelled");
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> processes(marker) == 0);
    assertThat(processes(control)).as("the command of a live requester").isPositive();
    assertThat(kept.isComplete()).isFalse();
    tools.cancelCall("dead-requester", "control").await(10, TimeUnit.SECONDS);
    kept.await(20, TimeUnit.SECONDS);
  }

  /** A requester outside this cluster's view is refused before anything runs (its session may have moved on). */
  @Test
  void aCommandOfANodeNotInTheClusterNeverRuns() throws Exception {
    String marker = "sleep 6" + (System.nanoTime() % 100000) + ".5";
    JsonObject result = tools.execute(call(marker).put("callId", "gone").put(DeadRequesterWatch.FIELD, "no-such-node"))
        .await(30, TimeUnit.SECONDS);
    assertThat(result.getBoolean("isError")).isTrue();
    assertThat(result.getJsonArray("content").getJsonObject(0).getString("text"))
        .contains("not a member of this cluster").contains("the tool was not run");
    assertThat(processes(marker)).isZero();
  }

  private static JsonObject call(String command) {
    return new JsonObject().put("callId", command.contains("sleep 5") ? "control" : UUID.randomUUID().toString())
        .put("sessionId", "dead-requester").put("name", "run_command")
        .put("arguments", new JsonObject().put("command", command + "; echo finished").put("timeoutSeconds", 60));
  }

  private static long processes(String commandLine) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(commandLine)).orElse(false)).count();
  }
}
