package dev.maestro.platform;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The main of every service: join the cluster (Hazelcast and the event bus on MAESTRO_CLUSTER_HOST,
 * the bus on TLS under the cluster key, see {@link ClusterKey}), deploy the service's verticle with the
 * resolved configuration, and on any start-up failure print one actionable line and exit 1.
 */
public final class ServiceMain {
  private ServiceMain() {}

  public static void run(String service, Supplier<Deployable> verticle) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Logger log = LoggerFactory.getLogger("maestro." + service);
    Vertx vertx = null;
    try {
      MaestroConfig config = MaestroConfig.fromEnvironment();
      long t0 = System.nanoTime();
      log.info("starting {} service (cluster '{}' on {}, members {})", service, config.get(MaestroConfig.CLUSTER_NAME),
          config.get(MaestroConfig.CLUSTER_HOST), config.get(MaestroConfig.CLUSTER_MEMBERS));
      Observability observability = Observability.of(Observability.Settings.from(service, name -> System.getProperty(name, System.getenv(name))));
      vertx = clustered(config, observability);
      observability.serve(vertx).await(30, TimeUnit.SECONDS);
      // the node id is what session ownership records (session.live_owner): operators map it to a host by this line
      log.info("{} service joined the cluster as node {}", service,
          ((io.vertx.core.internal.VertxInternal) vertx).clusterManager().getNodeId());
      Vertx v = vertx;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          v.close().await(15, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // exiting anyway
        }
      }, "maestro-shutdown"));
      Deployable[] deployed = new Deployable[1];
      onSigterm(service, v, () -> deployed[0], log);
      vertx.deployVerticle(() -> deployed[0] = verticle.get(), new DeploymentOptions().setConfig(config.toJson()))
          .await(config.startupTimeoutSeconds() + 60L, TimeUnit.SECONDS);
      log.info("{} service is UP in {} ms", service, (System.nanoTime() - t0) / 1_000_000);
    } catch (Throwable e) {
      String line = e instanceof StartupException ? e.getMessage() : Retry.describe(e);
      System.err.println("maestro " + service + ": cannot start: " + line);
      log.debug("start-up failure", e);
      if (vertx != null) {
        try {
          vertx.close().await(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // exiting anyway
        }
      }
      System.exit(1);
    }
  }

  /**
   * SIGTERM (./deploy/maestro down, docker stop, Kubernetes) drains a {@link Drainable} service first:
   * it hands its work on to the other nodes, then the node leaves the cluster and the process exits 0.
   * The JVM's default SIGTERM handling would only run the shutdown hook (close at once, exit 143).
   * Without the JDK's signal API (jdk.unsupported) the shutdown hook alone stays.
   */
  private static void onSigterm(String service, Vertx vertx, Supplier<Deployable> deployed, Logger log) {
    Runnable drainAndExit = () -> {
      long t0 = System.nanoTime();
      try {
        if (deployed.get() instanceof Drainable d) {
          log.info("{} service: SIGTERM, draining", service);
          // the drain bounds itself (its own timeout); this only guards against a hang
          d.drain().await(10, TimeUnit.MINUTES);
          log.info("{} service drained in {} ms; leaving the cluster", service, (System.nanoTime() - t0) / 1_000_000);
        }
      } catch (Exception e) {
        log.warn("{} service: drain did not complete ({}); leaving the cluster anyway", service, Retry.describe(e));
      }
      try {
        vertx.close().await(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
      System.exit(0);
    };
    try {
      java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
        if (once.compareAndSet(false, true)) new Thread(drainAndExit, "maestro-drain").start();
      });
    } catch (Throwable e) {
      log.debug("no SIGTERM handler ({}); the shutdown hook closes at once", e.toString());
    }
  }

  /** Joins the cluster with the cluster key (without it: a StartupException naming ./deploy/maestro up). */
  static Vertx clustered(MaestroConfig config, Observability observability) throws Exception {
    ClusterKey key = ClusterKey.load(config);
    VertxOptions options = ClusterSetup.vertx(config.get(MaestroConfig.CLUSTER_HOST), config.getInt(MaestroConfig.CLUSTER_BUS_PORT), key);
    try {
      return observability.applyTo(Vertx.builder(), options)
          .withClusterManager(new MaestroClusterManager(ClusterSetup.hazelcast(config, key)))
          .buildClustered().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new StartupException("cannot join the cluster on " + config.get(MaestroConfig.CLUSTER_HOST)
          + " (" + Retry.describe(e) + "); check MAESTRO_CLUSTER_HOST and MAESTRO_CLUSTER_MEMBERS", e);
    }
  }
}
