package dev.maestro.bench.chaos;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load driver of {@code ./deploy/maestro chaos} (deploy/chaos.sh runs the faults):
 * {@code bench chaos --gateways URL,URL,.. --password PW --sessions N --scenario NAME --control DIR --out FILE}.
 * Creates N sessions on the demo credential, runs one {@link ChaosClient} per session (spread over the
 * gateways), writes {@code DIR/ready} once every session streams (drain: then {@code DIR/waiting} once every client
 * holding its approvals has a turn waiting for one; the fault script reads the drained node's parked turns into
 * {@code DIR/parked}), keeps the load on until {@code DIR/stop}
 * appears (the fault's times are in {@code DIR/fault}: start and end epoch ms), lets the turns in flight
 * end, then checks every session against what the API (PostgreSQL) stores and writes the scenario's
 * row as JSON to FILE.
 */
public final class ChaosLoad {
  private ChaosLoad() {}

  public static void main(String[] args) throws Exception {
    List<URI> gateways = new ArrayList<>();
    String password = System.getenv().getOrDefault("MAESTRO_ADMIN_PASSWORD", "");
    int sessions = 50;
    String scenario = "load";
    Path control = null;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--gateways" -> { for (String g : args[++i].split(",")) if (!g.isBlank()) gateways.add(URI.create(g.trim())); }
        case "--password" -> password = args[++i];
        case "--sessions" -> sessions = Integer.parseInt(args[++i]);
        case "--scenario" -> scenario = args[++i];
        case "--control" -> control = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> {
          System.err.println("usage: bench chaos --gateways URL[,URL..] --password PW --sessions N --scenario NAME --control DIR --out FILE");
          System.exit(2);
        }
      }
    }
    if (gateways.isEmpty() || control == null || out == null || sessions < 1) {
      System.err.println("bench chaos: --gateways, --control and --out are required (run it through ./deploy/maestro chaos)");
      System.exit(2);
    }
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject row = run(vertx, gateways, password, sessions, scenario, control);
      Files.writeString(out, row.encodePrettily());
      System.out.println("chaos: " + scenario + ": " + row.encode());
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  static JsonObject run(Vertx vertx, List<URI> gateways, String password, int n, String scenario, Path control) throws Exception {
    WebClient http = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000),
        new PoolOptions().setHttp1MaxSize(16)));
    URI g0 = gateways.get(0);
    JsonObject tok = call(() -> http.post(g0.getPort(), g0.getHost(), "/api/v1/auth/token")
        .sendJson(new JsonObject().put("username", "admin").put("password", password).put("name", "chaos-" + scenario)), 201);
    String token = tok.getString("token");
    JsonObject creds = call(() -> http.get(g0.getPort(), g0.getHost(), "/api/v1/credentials").bearerTokenAuthentication(token).send(), 200);
    String cred = null;
    for (Object o : creds.getJsonArray("items", new JsonArray())) {
      if (o instanceof JsonObject c && "demo".equals(c.getString("label"))) cred = c.getString("id");
    }
    if (cred == null) throw new IllegalStateException("no 'demo' credential: start the cluster with --demo");
    // drain: list_dir asks for approval; half the clients hold their answers until the fault has ended or the
    // next owner asks again, so a known number of turns wait for their user at SIGTERM and are handed over
    // waiting (README, Operations: graceful drain); the others answer after 2 s
    boolean approvals = "drain".equals(scenario);
    if (approvals) toolPolicy(http, g0, token, "list_dir", "ask");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject body = new JsonObject().put("title", "chaos " + scenario + " " + i).put("provider", "openai-compatible")
          .put("model", "demo-model").put("credentialId", cred);
      // spread over the gateways; one that does not answer (a host left down) is skipped
      for (int a = 0; ; a++) {
        URI g = gateways.get((i + a) % gateways.size());
        try {
          ids.add(call(() -> http.post(g.getPort(), g.getHost(), "/api/v1/sessions").bearerTokenAuthentication(token).sendJson(body),
              201, 2_000).getString("id"));
          break;
        } catch (IllegalStateException e) {
          if (a >= 3 * gateways.size()) throw e;
        }
      }
    }
    ConcurrentMap<String, AtomicLong> errors = new ConcurrentHashMap<>();
    WebSocketClient wsc = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(n * 2 + 16)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20)
        // TCP connect only (the upgrade has its own 10 s): a gateway on the bridge answers in a millisecond, one cut
        // off by a partition never, and a client rotating onto it waited 10 s before trying the next
        .setConnectTimeout(2_000));
    List<ChaosClient> clients = new ArrayList<>();
    // drain: every other client holds its answers until the next owner asks again or the fault has ended
    for (int i = 0; i < n; i++) clients.add(new ChaosClient(vertx, wsc, gateways, token, ids.get(i), i, errors, approvals, i % 2 == 0));
    long watchdog = vertx.setPeriodic(2_000, t -> { long now = System.currentTimeMillis(); clients.forEach(c -> c.watchdog(now)); });
    long silenceWatch = vertx.setPeriodic(500, t -> { long now = System.currentTimeMillis(); clients.forEach(c -> c.watchSilence(now)); });
    clients.forEach(ChaosClient::start);
    long deadline = System.currentTimeMillis() + 120_000;
    while (clients.stream().anyMatch(c -> c.ledger.lastSeq() < 0) && System.currentTimeMillis() < deadline) Thread.sleep(100);
    long streaming = clients.stream().filter(c -> c.ledger.lastSeq() >= 0).count();
    Files.writeString(control.resolve("ready"), streaming + "\n");
    errors.clear(); // set-up hiccups are not the fault's
    System.out.println("chaos: " + scenario + ": " + streaming + " of " + n + " sessions streaming");
    long heldAtFault = 0;
    if (approvals) {
      // the fault (SIGTERM) waits for this: every holding client has a turn waiting for its answer
      long until = System.currentTimeMillis() + 60_000;
      while (clients.stream().anyMatch(c -> c.holds() && c.ledger.lastSeq() >= 0 && c.holding() == 0)
          && System.currentTimeMillis() < until) {
        Thread.sleep(100);
      }
      heldAtFault = clients.stream().mapToLong(ChaosClient::holding).sum();
      long waitingClients = clients.stream().filter(c -> c.holding() > 0).count();
      Files.writeString(control.resolve("waiting"), heldAtFault + "\n");
      System.out.println("chaos: " + scenario + ": " + waitingClients + " sessions wait for an approval their client holds");
    }
    Path stop = control.resolve("stop");
    boolean faultSeen = false;
    while (!Files.exists(stop)) {
      if (approvals && !faultSeen && Files.exists(control.resolve("fault"))) {
        // the drained node has exited: held answers go out now, wherever their turns are
        faultSeen = true;
        clients.forEach(ChaosClient::faultOver);
      }
      Thread.sleep(100);
    }
    if (approvals && !faultSeen) clients.forEach(ChaosClient::faultOver);
    long[] fault = readFault(control.resolve("fault"));
    clients.forEach(ChaosClient::stop);
    deadline = System.currentTimeMillis() + 150_000;
    while (clients.stream().anyMatch(c -> !c.idle()) && System.currentTimeMillis() < deadline) Thread.sleep(200);
    long unfinished = clients.stream().filter(c -> !c.idle()).count();
    vertx.cancelTimer(watchdog);
    vertx.cancelTimer(silenceWatch);
    clients.forEach(ChaosClient::close);

    SessionLedger.Counts total = SessionLedger.Counts.zero();
    long recoveredAt = fault[0];
    long neverRecovered = 0;
    long stalled = unfinished;
    long reconnects = 0;
    long seqJumps = 0;
    long approvalsAnswered = 0;
    long approvalsRestored = 0;
    long heldReAsked = 0;
    long heldReAskedRanOnce = 0;
    JsonArray heldReAskedNotOnce = new JsonArray();
    JsonArray recoverBySession = new JsonArray();
    JsonArray secondTurnExamples = new JsonArray();
    for (ChaosClient c : clients) {
      JsonObject stored = null;
      for (int a = 0; stored == null; a++) {
        URI g = gateways.get((c.index + a) % gateways.size());
        try {
          // a short try per gateway: the scenario's killed gateway refuses, the next one answers
          stored = call(() -> http.get(g.getPort(), g.getHost(), "/api/v1/sessions/" + c.sessionId).bearerTokenAuthentication(token).send(),
              200, 2_000);
        } catch (Exception e) {
          if (a > 60 * gateways.size()) throw new IllegalStateException("cannot read session " + c.sessionId + " back: " + e.getMessage());
          if (a % gateways.size() == gateways.size() - 1) Thread.sleep(1_000);
        }
      }
      total = total.plus(c.ledger.verify(stored));
      for (JsonObject ex : c.ledger.secondTurnExamples()) secondTurnExamples.add(ex.copy().put("sessionId", c.sessionId));
      stalled += c.stalled;
      reconnects += c.reconnects;
      seqJumps += c.ledger.seqJumps();
      approvalsAnswered += c.approvalsAnswered;
      approvalsRestored += c.approvalsRestored;
      if (!c.heldReAsked.isEmpty()) {
        // a turn parked by the drain and asked again by the next owner: its call ran exactly once, without error
        java.util.Map<String, long[]> results = toolResults(stored);
        for (String callId : c.heldReAsked) {
          heldReAsked++;
          long[] r = results.getOrDefault(callId, new long[2]);
          if (r[0] == 1 && r[1] == 0) heldReAskedRanOnce++;
          else heldReAskedNotOnce.add(new JsonObject().put("sessionId", c.sessionId).put("callId", callId)
              .put("results", r[0]).put("errors", r[1]));
        }
      }
      Long r = c.ledger.recoveredAtMs(fault[0]);
      if (r == null) neverRecovered++;
      else recoveredAt = Math.max(recoveredAt, r);
      recoverBySession.add(r == null ? null : (r - fault[0]) / 1000.0);
    }
    if (approvals) toolPolicy(http, g0, token, "list_dir", "allow");
    http.close();
    wsc.close();
    Path parked = control.resolve("parked");
    JsonObject row = total.toJson();
    if (approvals) {
      row.put("approvalsHeldAtFault", heldAtFault).put("heldReAsked", heldReAsked).put("heldReAskedRanOnce", heldReAskedRanOnce)
          .put("heldReAskedNotOnce", heldReAskedNotOnce)
          .put("parkedByDrainedNode", Files.exists(parked) ? Long.valueOf(Files.readString(parked).trim()) : null);
    }
    return row.put("approvalsAnswered", approvalsAnswered).put("approvalsRestored", approvalsRestored).put("scenario", scenario).put("sessions", n).put("streamingAtFault", streaming)
        .put("clientErrors", errors.values().stream().mapToLong(AtomicLong::get).sum())
        .put("errorsByKind", new JsonObject(new java.util.TreeMap<String, Object>(errors.entrySet().stream()
            .collect(java.util.stream.Collectors.toMap(java.util.Map.Entry::getKey, e -> e.getValue().get())))))
        .put("reconnects", reconnects).put("seqJumpsAtOwnerChange", seqJumps)
        .put("stalled", stalled).put("neverRecovered", neverRecovered)
        .put("recoverSeconds", neverRecovered > 0 ? null : (recoveredAt - fault[0]) / 1000.0)
        .put("recoverSecondsBySession", recoverBySession).put("faultStartMs", fault[0]).put("faultEndMs", fault[1])
        .put("secondTurnExamples", secondTurnExamples);
  }

  /** callId → {tool results stored, of them errors} in a session as the API returns it. */
  private static java.util.Map<String, long[]> toolResults(JsonObject stored) {
    java.util.Map<String, long[]> out = new java.util.HashMap<>();
    for (Object o : stored.getJsonArray("messages", new JsonArray())) {
      if (!(o instanceof JsonObject m)) continue;
      for (Object p : m.getJsonArray("content", new JsonArray())) {
        if (!(p instanceof JsonObject part) || !"tool_result".equals(part.getString("type"))) continue;
        long[] r = out.computeIfAbsent(part.getString("callId", "?"), k -> new long[2]);
        r[0]++;
        if (part.getBoolean("isError", false)) r[1]++;
      }
    }
    return out;
  }

  private static void toolPolicy(WebClient http, URI g, String token, String tool, String policy) throws Exception {
    call(() -> http.patch(g.getPort(), g.getHost(), "/api/v1/tools/" + tool).bearerTokenAuthentication(token)
        .sendJson(new JsonObject().put("policy", policy)), 200);
  }

  private static long[] readFault(Path f) throws Exception {
    if (!Files.exists(f)) {
      long now = System.currentTimeMillis();
      return new long[] {now, now};
    }
    String[] p = Files.readString(f).trim().split("\\s+");
    long start = Long.parseLong(p[0]);
    return new long[] {start, p.length > 1 ? Long.parseLong(p[1]) : start};
  }

  interface Req {
    Future<HttpResponse<Buffer>> send();
  }

  /** One API call, retried for up to 30 s while the cluster is still settling; the expected status or a failure. */
  private static JsonObject call(Req req, int expected) throws Exception {
    return call(req, expected, 30_000);
  }

  private static JsonObject call(Req req, int expected, long retryMs) throws Exception {
    long deadline = System.currentTimeMillis() + retryMs;
    String last = "";
    while (true) {
      try {
        HttpResponse<Buffer> r = req.send().await(Math.min(15_000, Math.max(retryMs, 5_000)), TimeUnit.MILLISECONDS);
        if (r.statusCode() == expected) return r.bodyAsJsonObject();
        last = r.statusCode() + " " + r.bodyAsString();
        if (r.statusCode() < 500 && r.statusCode() != 429) throw new IllegalStateException(last);
      } catch (IllegalStateException e) {
        throw e;
      } catch (Exception e) {
        last = String.valueOf(e.getMessage());
      }
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("API call failed: " + last);
      Thread.sleep(500);
    }
  }
}
