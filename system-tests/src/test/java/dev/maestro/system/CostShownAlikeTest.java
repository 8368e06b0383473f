package dev.maestro.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import dev.maestro.tui.view.ChatModel;
import dev.maestro.tui.view.StatusLine;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One price table: the cost the terminal client shows is the web UI's, both the server's figure.
 * Real services and gateway (with its web UI); two priced turns; the TUI's view model folds the
 * stored session (a client opening it) and the live events (a client watching), the web UI renders
 * its chat page.
 */
@SharedSystem.Uses
class CostShownAlikeTest {
  static Vertx client;
  /**
   * Held for the whole class: a Vert.x 5 client nobody references is shut down by a Cleaner when the GC runs,
   * which closed a socket mid-handshake ("Connection closed while handshake in process").
   */
  static io.vertx.core.http.WebSocketClient sockets;
  static JsonObject config;
  static FakeUpstream upstream;
  static int port;
  static WebClient http;
  static String token;
  /** Priced by the operator in the shared system ({@link SharedSystem#PRICED_MODEL}). */
  static final String MODEL = SharedSystem.PRICED_MODEL;

  @BeforeAll
  static void startClient(SharedSystem system) throws Exception {
    client = Vertx.vertx();
    sockets = client.createWebSocketClient();
    config = system.config;
    upstream = FakeUpstream.start(client, 0).await(20, TimeUnit.SECONDS);
    port = system.portA;
    http = WebClient.create(client, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setFollowRedirects(false));
    token = system.adminToken(http, "cost");
  }

  @AfterAll
  static void stopClient() throws Exception {
    ServiceNodes.stop(null, client);
  }

  static JsonObject api(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    return r.bodyAsJsonObject();
  }

  static JsonObject getSession(String id) throws Exception {
    return api(http.get("/api/v1/sessions/" + id).bearerTokenAuthentication(token).send().await(20, TimeUnit.SECONDS), 200);
  }

  @Test
  void theTuiShowsTheCostTheWebUiShowsAfterLoadingAndWhileWatching() throws Exception {
    String credential = api(http.post("/api/v1/credentials").bearerTokenAuthentication(token).sendJsonObject(new JsonObject()
        .put("provider", "openai").put("kind", "api_key").put("label", "fake").put("apiKey", "sk-cost-test")
        .put("baseUrl", upstream.openAiBaseUrl())).await(20, TimeUnit.SECONDS), 201).getString("id");
    String sessionId = api(http.post("/api/v1/sessions").bearerTokenAuthentication(token).sendJsonObject(new JsonObject()
        .put("title", "cost").put("provider", "openai").put("model", MODEL).put("credentialId", credential))
        .await(20, TimeUnit.SECONDS), 201).getString("id");

    // a TUI that has the session open folds the live events on top of what it loaded
    ChatModel watching = new ChatModel();
    watching.loadSession(getSession(sessionId));
    Socket socket = new Socket();
    socket.send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId));
    List<JsonObject> live = new ArrayList<>();
    for (FakeTurn turn : List.of(FakeTurn.create().text("first").usage(1_200, 400, 0, 0),
        FakeTurn.create().text("second").usage(333, 77, 0, 0))) {
      upstream.enqueue(FakeReply.stream(turn));
      socket.send(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", "go"));
      live.addAll(socket.eventsUntilTurnCompleted(30_000));
    }
    socket.close();
    live.forEach(f -> watching.apply(f.getLong("seq"), f.getJsonObject("event")));

    // a TUI that opens the session afterwards
    ChatModel opening = new ChatModel();
    opening.loadSession(getSession(sessionId));

    String web = webUiCost(sessionId);
    assertThat(upstream.requests()).as("one model request per turn; events %s", live.stream()
        .map(f -> f.getJsonObject("event").getString("type")).toList()).hasSize(2);
    // $700 / $1100 per million (small turns: no compaction): (1200 * 700 + 400 * 1100 + 333 * 700 + 77 * 1100) / 1e6
    assertThat(web).isEqualTo("$1.5978");
    assertThat(StatusLine.cost(opening.costUsd())).isEqualTo(web);
    assertThat(StatusLine.cost(watching.costUsd())).isEqualTo(web);
    assertThat(watching.costUsd()).isEqualTo(opening.costUsd());
  }

  /** The chat page as a signed-in browser gets it: the cost in its totals line. */
  static String webUiCost(String sessionId) {
    WebClientSession browser = WebClientSession.create(http);
    HttpResponse<Buffer> login = browser.post("/login").sendForm(MultiMap.caseInsensitiveMultiMap().add("username", "admin")
        .add("password", config.getString(MaestroConfig.ADMIN_PASSWORD))).await();
    assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(303);
    String html = browser.get("/sessions/" + sessionId).send().await().bodyAsString();
    Matcher m = Pattern.compile("<span id=\"totals\"[^>]*>([^<]*)</span>").matcher(html);
    assertThat(m.find()).as("totals on the chat page").isTrue();
    Matcher cost = Pattern.compile("\\$[0-9.]+").matcher(m.group(1));
    assertThat(cost.find()).as("a cost in " + m.group(1)).isTrue();
    return cost.group();
  }

  /** The test's WebSocket to the gateway: every frame queued. */
  static final class Socket {
    final io.vertx.core.http.WebSocket ws;
    final java.util.concurrent.LinkedBlockingQueue<JsonObject> frames = new java.util.concurrent.LinkedBlockingQueue<>();

    Socket() throws Exception {
      ws = sockets.connect(new io.vertx.core.http.WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(port).setURI("/api/v1/ws").addHeader("Authorization", "Bearer " + token)).await(20, TimeUnit.SECONDS);
      ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
    }

    void send(JsonObject frame) throws Exception {
      ws.writeTextMessage(frame.encode()).await(10, TimeUnit.SECONDS);
    }

    /** Sequenced session events up to and including turn_completed. */
    List<JsonObject> eventsUntilTurnCompleted(long timeoutMs) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeoutMs;
      List<JsonObject> events = new ArrayList<>();
      while (true) {
        JsonObject f = frames.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        if (f == null) throw new AssertionError("no turn_completed within " + timeoutMs + " ms; got " + events);
        if ("error".equals(f.getString("type"))) throw new AssertionError("error frame " + f.encode());
        if (!"event".equals(f.getString("type")) || f.getValue("seq") == null) continue;
        events.add(f);
        if ("turn_completed".equals(f.getJsonObject("event").getString("type"))) return events;
      }
    }

    void close() throws Exception {
      ws.close().await(10, TimeUnit.SECONDS);
    }
  }
}
