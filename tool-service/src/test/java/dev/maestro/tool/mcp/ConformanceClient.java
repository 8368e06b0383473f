package dev.maestro.tool.mcp;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.io.PrintStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The MCP conformance client: Maestro's own {@link McpConnection} against the
 * fixture URL (last argument), then the tool call the scenario (MCP_CONFORMANCE_SCENARIO) expects.
 * Exit 0 when the client did its part; the runner's checks decide pass/fail. Run in the test's JVM
 * through {@link ConformanceClientHost}, or as a JVM of its own per scenario ({@link #main}).
 */
public final class ConformanceClient {
  private static final Map<String, String> TOOL_FOR_SCENARIO = Map.of(
      "tools_call", "add_numbers",
      "sse-retry", "test_reconnection",
      "elicitation-sep1034-client-defaults", "test_client_elicitation_defaults");

  /** The runner's environment for this run (MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_CONTEXT, SLOT_ENV). */
  private final Map<String, String> env;
  /** Where this run's own lines go (stderr of the process the runner spawned). */
  private final PrintStream log;

  private ConformanceClient(Map<String, String> env, PrintStream log) {
    this.env = env;
    this.log = log;
  }

  /** In a JVM of its own (-Dmaestro.conformance.fork=true): the runner's process is this one. */
  public static void main(String[] args) throws Exception {
    System.exit(runOnce(args, System.getenv(), System.err));
  }

  /**
   * One scenario run: the fixture URL is the last argument, the scenario and its context come in env.
   * Each run has a Vert.x (and, for auth scenarios, an auth-service) of its own, closed before it returns,
   * so runs in one JVM ({@link ConformanceClientHost}) share nothing but the loaded classes.
   * Returns the exit code the runner sees: 0 when the client did its part.
   */
  static int runOnce(String[] args, Map<String, String> env, PrintStream log) throws Exception {
    String url = args[args.length - 1];
    String scenario = env.getOrDefault("MCP_CONFORMANCE_SCENARIO", "");
    Vertx vertx = Vertx.vertx();
    int code = 1;
    try {
      code = new ConformanceClient(env, log).run(vertx, url, scenario);
    } catch (Exception e) {
      log.println("conformance client: " + e);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    return code;
  }

  private int run(Vertx vertx, String url, String scenario) throws Exception {
    Context context = vertx.getOrCreateContext();
    boolean auth = scenario.startsWith("auth/");
    AuthService authService = auth ? startAuthService(vertx) : null;
    if (authService != null) preRegisterClient(authService);
    // a JVM of its own (no surefire properties): the scenario servers listen on loopback ports
    McpSettings settings = new McpSettings(60_000, 60_000, 60_000, 20,
        dev.maestro.platform.net.OutboundPolicy.of(TestEnv.ALLOWED_PRIVATE_HOSTS));
    JsonObject config = new JsonObject().put("id", SERVER_ID).put("name", "conformance").put("transport", "http").put("url", url);
    McpConnection[] conn = new McpConnection[1];
    AtomicReference<CompletableFuture<List<McpSchema.Tool>>> tools = new AtomicReference<>(new CompletableFuture<>());
    context.runOnContext(v -> {
      conn[0] = new McpConnection(vertx, context, settings, config, auth ? new McpTokens(vertx) : null,
          list -> tools.get().complete(list), (status, error) -> {
        log.println("status " + status + (error != null ? ": " + error : ""));
        if (McpConnection.FAILED.equals(status)) tools.get().completeExceptionally(new IllegalStateException(error));
      });
      conn[0].elicitation().asker(ConformanceClient::acceptTheDefaults);
      conn[0].connect();
    });
    List<McpSchema.Tool> list = null;
    // What the UI does after "sign in": auth-service's MCP OAuth, the authorization server's redirect
    // followed headlessly (the conformance server approves at once), then reconnect. A server that
    // keeps refusing gets a bounded number of sign-ins.
    for (int signIns = 0; list == null; signIns++) {
      try {
        list = tools.get().get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        String challenge = conn[0].authChallenge();
        if (authService == null || challenge == null || signIns >= MAX_SIGN_INS) throw e;
        signIn(authService, url, challenge);
        tools.set(new CompletableFuture<>());
        context.runOnContext(v -> conn[0].connect());
      }
    }
    String wanted = TOOL_FOR_SCENARIO.getOrDefault(scenario, scenario.startsWith("auth/") ? "test-tool" : null);
    if (wanted != null && list.stream().anyMatch(t -> t.name().equals(wanted))) {
      JsonObject arguments = wanted.equals("add_numbers") ? new JsonObject().put("a", 5).put("b", 3) : new JsonObject();
      ToolResult r = call(context, conn[0], wanted, arguments);
      String challenge = conn[0].authChallenge();
      if (r.isError() && authService != null && challenge != null) {
        // Refused for lack of scope (step-up): sign in again with the new challenge, reconnect, call again.
        signIn(authService, url, challenge);
        tools.set(new CompletableFuture<>());
        context.runOnContext(v -> conn[0].connect());
        tools.get().get(30, TimeUnit.SECONDS);
        r = call(context, conn[0], wanted, arguments);
      }
      log.println("tool " + wanted + " → isError=" + r.isError() + " " + r.text());
      if (r.isError()) return 1;
    }
    // Scenarios that name their calls (MCP_CONFORMANCE_CONTEXT.toolCalls, e.g. the 2026-07-28 header scenarios of
    // the 0.2 line): call each tool the client kept, as a model would; a tool left out is not called.
    String raw = env.get("MCP_CONFORMANCE_CONTEXT");
    io.vertx.core.json.JsonArray named = raw == null || raw.isBlank() ? null : new JsonObject(raw).getJsonArray("toolCalls");
    if (named != null) {
      for (Object o : named) {
        JsonObject c = (JsonObject) o;
        if (list.stream().noneMatch(t -> t.name().equals(c.getString("name")))) continue;
        ToolResult r = call(context, conn[0], c.getString("name"), c.getJsonObject("arguments", new JsonObject()));
        log.println("tool " + c.getString("name") + " → isError=" + r.isError() + " " + r.text());
      }
    }
    // json-schema-2020-12-preservation: the focal tool's input schema as Maestro hands it to the model, echoed back
    if (scenario.equals("json-schema-2020-12-preservation")) {
      McpSchema.Tool focal = list.stream().filter(t -> t.name().equals("json_schema_2020_12_tool")).findFirst().orElseThrow();
      JsonObject schema = onContext(context, () -> conn[0].schemaJson(focal));
      ToolResult r = call(context, conn[0], "json_schema_echo", new JsonObject().put("schema", schema));
      log.println("tool json_schema_echo → isError=" + r.isError() + " " + r.text());
    }
    // sep-2322-client-request-state (0.2 line, 2026-07-28): input-required results answered and the call repeated
    if (scenario.equals("sep-2322-client-request-state")) {
      for (String tool : List.of("test_mrtr_echo_state", "test_mrtr_unrelated", "test_mrtr_no_state", "test_mrtr_no_result_type")) {
        ToolResult r = call(context, conn[0], tool, new JsonObject());
        log.println("tool " + tool + " → isError=" + r.isError() + " " + r.text());
      }
    }
    // http-invalid-tool-headers (0.2 line): every tool the client kept is called (the invalid ones must have been left out)
    if (scenario.equals("http-invalid-tool-headers")) {
      for (McpSchema.Tool t : list) {
        JsonObject arguments = new JsonObject();
        if (t.inputSchema() != null && t.inputSchema().required() != null) t.inputSchema().required().forEach(k -> arguments.put(k, "us-west1"));
        ToolResult r = call(context, conn[0], t.name(), arguments);
        log.println("tool " + t.name() + " → isError=" + r.isError() + " " + r.text());
      }
    }
    CompletableFuture<Void> closed = new CompletableFuture<>();
    context.runOnContext(v -> {
      conn[0].close();
      closed.complete(null);
    });
    closed.get(10, TimeUnit.SECONDS);
    Thread.sleep(300); // let the graceful close (session DELETE) go out
    return 0;
  }

  private static <T> T onContext(Context context, java.util.function.Supplier<T> op) throws Exception {
    CompletableFuture<T> out = new CompletableFuture<>();
    context.runOnContext(v -> out.complete(op.get()));
    return out.get(10, TimeUnit.SECONDS);
  }

  private static ToolResult call(Context context, McpConnection conn, String tool, JsonObject arguments) throws Exception {
    CompletableFuture<ToolResult> result = new CompletableFuture<>();
    context.runOnContext(v -> conn.call(tool, arguments, new CallContext("conformance-1", "conformance", 30, null))
        .onComplete(ar -> {
          if (ar.succeeded()) result.complete(ar.result());
          else result.completeExceptionally(ar.cause());
        }));
    return result.get(30, TimeUnit.SECONDS);
  }

  /** The user of this launcher accepts every elicitation form as pre-filled: the schema's defaults (SEP-1034). */
  static Future<JsonObject> acceptTheDefaults(CallContext call, String server, String message, JsonObject schema) {
    return Future.succeededFuture(new JsonObject().put("action", ElicitationForm.ACCEPT)
        .put("content", ElicitationForm.applyDefaults(schema, new JsonObject())));
  }

  static final String SERVER_ID = "conformance";
  /** Set by McpConformanceTest per worker: which of the side-by-side scenario slots this client runs in. */
  static final String SLOT_ENV = "MAESTRO_CONFORMANCE_SLOT";
  static final int MAX_SIGN_INS = 2;
  static final String REDIRECT_URI = "http://127.0.0.1:1/oauth/callback";
  static final String CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json";

  /**
   * A scenario may hand over credentials an admin would have registered by hand
   * (MCP_CONFORMANCE_CONTEXT {"client_id","client_secret"}, auth/pre-registration): configured the way
   * tool-service does for an MCP server with a pre-registered OAuth client.
   */
  private void preRegisterClient(AuthService auth) throws Exception {
    String raw = env.get("MCP_CONFORMANCE_CONTEXT");
    if (raw == null || raw.isBlank()) return;
    JsonObject context = new JsonObject(raw);
    if (context.getString("client_id") == null) return;
    JsonObject client = new JsonObject().put("clientId", context.getString("client_id"));
    if (context.getString("client_secret") != null) client.put("clientSecret", context.getString("client_secret"));
    auth.setMcpOAuthClient(SERVER_ID, client).await(30, TimeUnit.SECONDS);
    log.println("pre-registered OAuth client " + client.getString("clientId"));
  }

  /** auth-service on this Vert.x, in its own database (schema auth dropped first: every scenario signs in afresh). */
  private AuthService startAuthService(Vertx vertx) throws Exception {
    // a database per runner slot: scenarios running side by side each drop and create schema auth
    String slot = env.getOrDefault(SLOT_ENV, "0").replaceAll("[^0-9]", "");
    String pgUrl = TestEnv.pgUrl().replaceFirst("/([^/?]+)(\\?|$)", "/$1_conformance" + (slot.isEmpty() || slot.equals("0") ? "" : "_" + slot) + "$2");
    PgConnectOptions target = PgConnectOptions.fromUri(pgUrl);
    Pool admin = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions(target).setDatabase("postgres")).using(vertx).build();
    try {
      if (admin.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1").execute(Tuple.of(target.getDatabase()))
          .await(20, TimeUnit.SECONDS).size() == 0) {
        admin.query("CREATE DATABASE \"" + target.getDatabase() + "\"").execute()
            .recover(err -> String.valueOf(err.getMessage()).contains("already exists") ? Future.succeededFuture() : Future.failedFuture(err))
            .await(20, TimeUnit.SECONDS);
      }
    } finally {
      admin.close().await(20, TimeUnit.SECONDS);
    }
    Pool db = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(target).using(vertx).build();
    db.query("DROP SCHEMA IF EXISTS auth CASCADE").execute().eventually(db::close).await(20, TimeUnit.SECONDS);
    JsonObject cfg = TestEnv.config().put(MaestroConfig.PG_URL, pgUrl)
        // What the scenarios expect as a URL client_id (auth/basic-cimd); the document is never fetched there.
        .put(MaestroConfig.OAUTH_CLIENT_METADATA_URL, CLIENT_METADATA_URL);
    vertx.deployVerticle(new AuthServiceVerticle(), new DeploymentOptions().setConfig(cfg)).await(30, TimeUnit.SECONDS);
    return AuthService.createProxy(vertx);
  }

  private void signIn(AuthService auth, String url, String challenge) throws Exception {
    JsonObject started = auth.startMcpOAuth("conformance", SERVER_ID,
        new JsonObject().put("serverUrl", url).put("wwwAuthenticate", challenge), REDIRECT_URI).await(30, TimeUnit.SECONDS);
    log.println("sign-in at " + started.getString("authorizationServer"));
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    URI at = URI.create(started.getString("authorizeUrl"));
    for (int hops = 0; hops < 10; hops++) {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(at).GET().build(), HttpResponse.BodyHandlers.ofString());
      String location = resp.headers().firstValue("Location").orElse(null);
      if (resp.statusCode() / 100 != 3 || location == null) {
        throw new IllegalStateException("authorization stopped at " + at + " with HTTP " + resp.statusCode() + ": " + resp.body());
      }
      at = at.resolve(location);
      if (at.toString().startsWith(REDIRECT_URI)) {
        Map<String, String> q = new HashMap<>();
        for (String kv : at.getRawQuery().split("&")) {
          int i = kv.indexOf('=');
          q.put(URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8),
              i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
        if (q.containsKey("error")) throw new IllegalStateException("authorization refused: " + q);
        // as the gateway relays a browser callback: with the RFC 9207 iss when the server sent one
        JsonObject cb = new JsonObject().put("state", q.get("state")).put("code", q.get("code"));
        if (q.get("iss") != null) cb.put("iss", q.get("iss"));
        auth.completeOAuthCallback("conformance", cb).await(30, TimeUnit.SECONDS);
        return;
      }
    }
    throw new IllegalStateException("too many redirects from " + started.getString("authorizeUrl"));
  }
}
