package dev.maestro.system;

import dev.maestro.testkit.TestEnv;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * One running system (auth-, provider-, tool- and session-service plus two gateways, each on its own
 * clustered member, with the default {@link TestEnv#config()} and one model priced by the operator) for every end-to-end class that needs
 * nothing else: starting the five services took 7-9 s, and each such class paid it again.
 *
 * <p>A class opts in with {@link Uses} and takes the system as a parameter of its {@code @BeforeAll};
 * the first class to ask starts it, it is kept in the engine's root store and closed when the whole run
 * ends. Such a class brings its own fake upstream (the credentials it creates point at it) and must not
 * rely on state other classes leave (users, sessions, tool policies, counts): it creates its own rows
 * and asserts on them, and sets the global settings it depends on.
 *
 * <p>Classes with a system of their own drop the same schemas when they start, so they must never run
 * while this one lives: {@link RunsLast} (set in junit-platform.properties) runs the sharing classes
 * after all others.
 */
final class SharedSystem implements AutoCloseable {
  /** On a test class: it runs against the shared system (after the classes that start their own). */
  @Target(ElementType.TYPE)
  @Retention(RetentionPolicy.RUNTIME)
  @ExtendWith(Resolver.class)
  @interface Uses {
  }

  /**
   * The model whose prices the operator set (700 / 1,100 dollars per million input / output tokens), unlike any
   * list price a client could carry: only the server knows them (CostShownAlikeTest). No other class uses it.
   */
  static final String PRICED_MODEL = "gpt-4.1-mini";

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedSystem.class);

  final JsonObject config;
  final ServiceNodes services;
  /** The first gateway's HTTP port (the one a class uses when it needs only one). */
  final int portA;
  /** The second gateway's HTTP port (for a client that moves from one gateway to another). */
  final int portB;
  /** The Vert.x that created the database and schemas; closed with the system. */
  private final Vertx via;
  /** The id of the `server-everything` MCP server, once a class registered it (its name is unique). */
  private String everything;

  private SharedSystem(JsonObject config, Vertx via, ServiceNodes services, int portA, int portB) {
    this.config = config;
    this.via = via;
    this.services = services;
    this.portA = portA;
    this.portB = portB;
  }

  static SharedSystem start() throws Exception {
    JsonObject config = TestEnv.config();
    Path prices = Files.createTempFile("maestro-prices-", ".json");
    Files.writeString(prices, new JsonObject().put("models", new JsonObject()
        .put(PRICED_MODEL, new JsonObject().put("input", 700.0).put("output", 1100.0))).encode());
    prices.toFile().deleteOnExit();
    config.put("MAESTRO_SESSION_MODELS_FILE", prices.toString());
    Vertx via = Vertx.vertx();
    ServiceNodes services = null;
    try {
      services = ServiceNodes.startBackends(via, config);
      int portA = services.deployGateway();
      int portB = services.deployGateway();
      return new SharedSystem(config, via, services, portA, portB);
    } catch (Exception | Error e) {
      ServiceNodes.stop(services, via);
      throw e;
    }
  }

  /** A new admin API token named {@code name}, minted at the first gateway. */
  String adminToken(WebClient http, String name) throws Exception {
    return services.adminToken(http, portA, name);
  }

  /** The real `server-everything` (see {@link ServiceNodes#connectEverything}), registered by the first class that asks → its id. */
  synchronized String everything(WebClient http, String token, Path mcpDir) throws Exception {
    if (everything == null) everything = ServiceNodes.connectEverything(http, portA, token, mcpDir);
    return everything;
  }

  @Override
  public void close() throws Exception {
    ServiceNodes.stop(services, via);
  }

  /** Answers a {@code SharedSystem} parameter with the run's one system, started on first use. */
  static final class Resolver implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == SharedSystem.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SharedSystem.class, k -> {
        try {
          return start();
        } catch (Exception e) {
          throw new IllegalStateException("the shared system did not start", e);
        }
      }, SharedSystem.class);
    }
  }

  /**
   * Runs the classes marked {@link Uses} after all others, otherwise keeping the order they were given in:
   * a class with its own system drops the schemas the shared one is using.
   */
  public static final class RunsLast implements ClassOrderer {
    @Override
    public void orderClasses(ClassOrdererContext context) {
      context.getClassDescriptors().sort(Comparator.comparing((ClassDescriptor d) -> d.isAnnotated(Uses.class)));
    }
  }
}
