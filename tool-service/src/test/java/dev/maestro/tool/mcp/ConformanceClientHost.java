package dev.maestro.tool.mcp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs {@link ConformanceClient} in the test's own JVM for the conformance runner. The runner spawns a
 * client command per scenario; a JVM per scenario spent most of each run starting up and loading
 * Vert.x, the MCP SDK, Flyway and auth-service (≈ 5 s at rest, 15–20 s on a loaded 2-core machine,
 * against 1–4 s of protocol). The command is now {@code client-launcher.mjs}, a few lines of node that
 * POST their arguments and the runner's scenario environment here and exit with the run's exit code,
 * its lines on stderr, as the JVM did. Every run still gets a Vert.x and an auth-service of its own.
 * Loopback only: the port is random and handed to the runner on the command line.
 */
final class ConformanceClientHost implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService runs = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "conformance-client");
    t.setDaemon(true);
    return t;
  });

  ConformanceClientHost() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/run", this::run);
    server.setExecutor(runs);
    server.start();
  }

  /** Where client-launcher.mjs sends its runs. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/run";
  }

  /** {"args": [...], "env": {...}} → {"code": exit code, "log": the run's own lines}. */
  private void run(HttpExchange ex) throws IOException {
    int code = 1;
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    try (PrintStream log = new PrintStream(lines, true, StandardCharsets.UTF_8)) {
      try {
        JsonObject req = new JsonObject(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        JsonArray a = req.getJsonArray("args", new JsonArray());
        String[] args = new String[a.size()];
        for (int i = 0; i < args.length; i++) args[i] = a.getString(i);
        Map<String, String> env = new HashMap<>();
        req.getJsonObject("env", new JsonObject()).forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
        code = ConformanceClient.runOnce(args, env, log);
      } catch (Exception e) {
        log.println("conformance client host: " + e);
      }
    }
    byte[] body = new JsonObject().put("code", code).put("log", lines.toString(StandardCharsets.UTF_8)).toBuffer().getBytes();
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    runs.shutdownNow();
  }
}
