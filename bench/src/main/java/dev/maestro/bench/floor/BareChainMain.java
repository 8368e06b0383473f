package dev.maestro.bench.floor;

import dev.maestro.platform.ServiceMain;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;

/**
 * The main of one bare-chain JVM: {@code provider}, {@code session}, {@code gateway} (one role each, the
 * three-JVM floor of the five-process mode) or {@code single} (all three in one JVM, the floor of
 * {@code up --single}). It starts through the platform's {@link ServiceMain}, exactly as a service does:
 * the same clustered Vert.x (Hazelcast config of ClusterSetup, MaestroClusterManager, event-bus TLS under
 * the cluster key), the same metrics, the same SIGTERM handling; so a platform change moves this floor too.
 */
public final class BareChainMain {
  public static final List<String> PROCESSES = List.of("provider", "session", "gateway", "single");

  private BareChainMain() {}

  public static void main(String[] args) {
    if (args.length != 1 || !PROCESSES.contains(args[0])) {
      System.err.println("usage: BareChainMain provider|session|gateway|single");
      System.exit(2);
    }
    String process = args[0];
    ServiceMain.run(process, () -> new Roles("single".equals(process) ? List.of("provider", "session", "gateway") : List.of(process)));
  }

  /** Deploys the roles side by side, each on its own event-loop context (as SingleProcessMain deploys services). */
  public static final class Roles extends VerticleBase {
    private final List<String> roles;

    public Roles(List<String> roles) {
      this.roles = List.copyOf(roles);
    }

    @Override
    public Future<?> start() {
      List<Future<String>> deployed = new ArrayList<>();
      for (String role : roles) {
        VerticleBase v = switch (role) {
          case "provider" -> new BareProvider();
          case "session" -> new BareSession();
          case "gateway" -> new BareGateway();
          default -> throw new IllegalArgumentException("no bare role " + role);
        };
        deployed.add(vertx.deployVerticle(v, new DeploymentOptions().setConfig(config().copy())));
      }
      return Future.all(deployed);
    }
  }
}
