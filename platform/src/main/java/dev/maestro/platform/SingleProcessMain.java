package dev.maestro.platform;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./deploy/maestro up --single}: the five services' verticles in one JVM, on one clustered
 * Vert.x (same cluster key, same Hazelcast cluster: other nodes can still join), so a chunk crosses no
 * process boundary. Started with the five service fat jars on the classpath; the services are found
 * by class name because platform depends on none of them. One metrics port (service tag
 * {@code single}), one log, one health answer per service as usual.
 */
public final class SingleProcessMain {
  /** Every service's main verticle, in the launcher's start order. */
  public static final List<String> VERTICLES = List.of(
      "dev.maestro.auth.AuthServiceVerticle",
      "dev.maestro.provider.ProviderServiceVerticle",
      "dev.maestro.tool.ToolServiceVerticle",
      "dev.maestro.session.SessionServiceVerticle",
      "dev.maestro.gateway.GatewayVerticle");

  private SingleProcessMain() {}

  public static void main(String[] args) {
    ServiceMain.run("single", () -> new AllServices(VERTICLES));
  }

  /**
   * Deploys the named verticles side by side with this verticle's config (each on its own event loop
   * context, as in its own process); undeploying this undeploys them. Starts them together, as the
   * launcher starts five processes: each service already tolerates the others coming up later.
   */
  static final class AllServices extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(SingleProcessMain.class);
    private final List<String> classNames;

    AllServices(List<String> classNames) {
      this.classNames = List.copyOf(classNames);
    }

    @Override
    public Future<?> start() {
      List<Deployable> verticles = new ArrayList<>();
      for (String name : classNames) verticles.add(instantiate(name));
      List<Future<String>> deployed = new ArrayList<>();
      for (int i = 0; i < verticles.size(); i++) {
        Deployable v = verticles.get(i);
        String name = classNames.get(i);
        long t0 = System.nanoTime();
        deployed.add(vertx.deployVerticle(v, new DeploymentOptions().setConfig(config().copy()))
            .onSuccess(id -> LOG.info("{} deployed in {} ms", simpleName(name), (System.nanoTime() - t0) / 1_000_000)));
      }
      return Future.all(deployed);
    }

    private static Deployable instantiate(String className) {
      try {
        Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader() != null
            ? Thread.currentThread().getContextClassLoader() : SingleProcessMain.class.getClassLoader());
        return (Deployable) type.getDeclaredConstructor().newInstance();
      } catch (ClassNotFoundException e) {
        throw new StartupException(simpleName(className) + " is not on the class path: start the single process with the five"
            + " service jars (./deploy/maestro up --single)");
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new StartupException("cannot create " + simpleName(className) + ": " + e);
      }
    }

    private static String simpleName(String className) {
      return className.substring(className.lastIndexOf('.') + 1);
    }
  }
}
