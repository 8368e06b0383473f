package dev.maestro.system;

import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.gateway.GatewayVerticle;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Observability;
import dev.maestro.provider.ProviderServiceVerticle;
import dev.maestro.session.SessionServiceVerticle;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The services of a system test, each on its own clustered Vert.x as in production (one member per
 * service, talking over the clustered event bus with TLS under the JVM's test cluster key), all in
 * the test's JVM.
 */
final class ServiceNodes {
  private final JsonObject config;
  private final List<Vertx> nodes = new ArrayList<>();
  /** The session-service verticles deployed (a test may drain one). */
  final List<SessionServiceVerticle> sessionNodes = new ArrayList<>();

  ServiceNodes(JsonObject config) {
    this.config = config;
  }

  /**
   * The start of an end-to-end test: the test database exists (created through the test's own
   * {@code client}), then the backends run, each on its own member, from empty schemas.
   */
  static ServiceNodes startBackends(Vertx client, JsonObject config) throws Exception {
    TestEnv.ensureDatabase(client).await(30, TimeUnit.SECONDS);
    ServiceNodes services = new ServiceNodes(config);
    services.deployBackends(client);
    return services;
  }

  /** Deploys a gateway on a new member and answers its HTTP port. */
  int deployGateway() throws Exception {
    GatewayVerticle gateway = new GatewayVerticle();
    deploy(() -> gateway);
    return gateway.actualPort();
  }

  /** Signs in as the configured admin at the gateway on {@code port} and answers a new API token named {@code name}. */
  String adminToken(WebClient http, int port, String name) throws Exception {
    HttpResponse<Buffer> minted = http.post(port, "127.0.0.1", "/api/v1/auth/token")
        .sendJsonObject(new JsonObject().put("username", "admin")
            .put("password", config.getString(MaestroConfig.ADMIN_PASSWORD)).put("name", name))
        .await(20, TimeUnit.SECONDS);
    assertThat(minted.statusCode()).as(minted.bodyAsString()).isEqualTo(201);
    return minted.bodyAsJsonObject().getString("token");
  }

  /**
   * Registers the real `server-everything` (stdio, run by tool-service in its sandbox from {@code mcpDir}'s
   * node_modules, mounted read-only) as an admin and waits until it is connected → its id.
   */
  static String connectEverything(WebClient http, int port, String token, java.nio.file.Path mcpDir) throws Exception {
    HttpResponse<Buffer> server = http.post(port, "127.0.0.1", "/api/v1/mcp-servers").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("name", "everything").put("transport", "stdio").put("command", "node")
            .put("args", new io.vertx.core.json.JsonArray()
                .add(mcpDir.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString()).add("stdio"))
            // stdio servers run in the sandbox: the server's own files must be mounted (read-only) by the admin
            .put("mounts", new io.vertx.core.json.JsonArray().add(mcpDir.toString())))
        .await(20, TimeUnit.SECONDS);
    assertThat(server.statusCode()).as(server.bodyAsString()).isEqualTo(201);
    String id = server.bodyAsJsonObject().getString("id");
    org.awaitility.Awaitility.await("MCP server connected").atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(200))
        .until(() -> http.get(port, "127.0.0.1", "/api/v1/mcp-servers/" + id).bearerTokenAuthentication(token).send()
            .await(20, TimeUnit.SECONDS).bodyAsJsonObject().getString("status"), "connected"::equals);
    return id;
  }

  /** The end of an end-to-end test: every member, then the test's client (either may be null if the start failed). */
  static void stop(ServiceNodes services, Vertx client) throws Exception {
    if (services != null) services.close();
    if (client != null) client.close().await(10, TimeUnit.SECONDS);
  }

  /** A member of the cluster with nothing deployed (for the test's proxies, consumers and fakes). */
  Vertx member() throws Exception {
    Vertx node = ClusterNodes.start(config.getString(MaestroConfig.CLUSTER_NAME));
    nodes.add(node);
    return node;
  }

  /**
   * Starts from empty schemas (on the test database {@code via} points at), then deploys auth-,
   * provider-, tool- and session-service; the gateway is left to the test, which wants its port.
   */
  void deployBackends(Vertx via) throws Exception {
    for (String schema : List.of("gateway", "session", "auth", "tool", "provider")) {
      TestEnv.dropSchema(via, schema).await(30, TimeUnit.SECONDS);
    }
    deploy(AuthServiceVerticle::new);
    deploy(ProviderServiceVerticle::new);
    deploy(ToolServiceVerticle::new);
    deploySession();
  }

  /** Deploys one more session node on a new member and answers its verticle. */
  SessionServiceVerticle deploySession() throws Exception {
    SessionServiceVerticle session = new SessionServiceVerticle();
    deploy(() -> session);
    sessionNodes.add(session);
    return session;
  }

  /** Deploys a service verticle with the test's config on a new member, and returns that member. */
  Vertx deploy(Supplier<? extends Deployable> verticle) throws Exception {
    Vertx node = member();
    node.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await(90, TimeUnit.SECONDS);
    return node;
  }

  /**
   * Deploys a service verticle on a new member with metrics (on a free loopback port) and, when
   * {@code otlpEndpoint} is not null, traces exported there, as {@link dev.maestro.platform.ServiceMain}
   * sets them up; answers the member's metrics port.
   */
  int deployObserved(String service, Supplier<? extends Deployable> verticle, String otlpEndpoint) throws Exception {
    Observability observability = Observability.of(Observability.Settings.forTest(service, otlpEndpoint));
    Vertx node = ClusterNodes.start(config.getString(MaestroConfig.CLUSTER_NAME), observability);
    nodes.add(node);
    int port = observability.serve(node).await(10, TimeUnit.SECONDS);
    node.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await(90, TimeUnit.SECONDS);
    return port;
  }

  void close() throws Exception {
    for (Vertx node : nodes) node.close().await(30, TimeUnit.SECONDS);
  }
}
