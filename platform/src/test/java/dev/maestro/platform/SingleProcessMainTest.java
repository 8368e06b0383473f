package dev.maestro.platform;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SingleProcessMainTest {
  /** What each test verticle saw, by class: its config's marker, or "stopped". */
  static final Map<String, String> SEEN = new ConcurrentHashMap<>();

  public static class First extends VerticleBase {
    @Override
    public Future<?> start() {
      SEEN.put("First", config().getString("marker"));
      return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
      SEEN.put("First", "stopped");
      return Future.succeededFuture();
    }
  }

  public static class Second extends VerticleBase {
    @Override
    public Future<?> start() {
      SEEN.put("Second", config().getString("marker"));
      return Future.succeededFuture();
    }
  }

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    SEEN.clear();
  }

  @Test
  void theFiveServicesAreNamedInTheLaunchersOrder() {
    assertThat(SingleProcessMain.VERTICLES).extracting(n -> n.substring(n.lastIndexOf('.') + 1))
        .containsExactly("AuthServiceVerticle", "ProviderServiceVerticle", "ToolServiceVerticle", "SessionServiceVerticle",
            "GatewayVerticle");
  }

  @Test
  void deploysEveryNamedVerticleWithTheConfigAndUndeploysThemTogether() throws Exception {
    String id = vertx.deployVerticle(new SingleProcessMain.AllServices(List.of(First.class.getName(), Second.class.getName())),
        new DeploymentOptions().setConfig(new JsonObject().put("marker", "cfg"))).await(10, TimeUnit.SECONDS);
    assertThat(SEEN).containsEntry("First", "cfg").containsEntry("Second", "cfg");
    assertThat(vertx.deploymentIDs()).hasSize(3);
    vertx.undeploy(id).await(10, TimeUnit.SECONDS);
    assertThat(SEEN).containsEntry("First", "stopped");
    assertThat(vertx.deploymentIDs()).isEmpty();
  }

  @Test
  void aServiceMissingFromTheClassPathFailsWithAnActionableLine() {
    assertThatThrownBy(() -> vertx.deployVerticle(new SingleProcessMain.AllServices(List.of(First.class.getName(),
            "dev.maestro.nowhere.NoSuchVerticle")), new DeploymentOptions()).await(10, TimeUnit.SECONDS))
        .isInstanceOf(StartupException.class)
        .hasMessage("NoSuchVerticle is not on the class path: start the single process with the five service jars"
            + " (./deploy/maestro up --single)");
    assertThat(SEEN).doesNotContainKey("First");
  }
}
