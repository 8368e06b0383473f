package dev.maestro.gateway.ws;

import dev.maestro.contracts.Addresses;
import dev.maestro.gateway.GatewaySettings;
import dev.maestro.gateway.api.ApiAuth;
import dev.maestro.gateway.api.Operations;
import dev.maestro.gateway.api.Problems;
import dev.maestro.gateway.auth.Principal;
import dev.maestro.gateway.presence.Presence;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/ws}: authenticates the upgrade, keeps this instance's open sockets (the only
 * state a gateway holds), runs one heartbeat timer for all of them (pings, idle and expiry checks,
 * presence refresh) and closes sockets at once when their token or user is revoked, or their browser session signed out,
 * anywhere. MCP catalog changes go out to the sockets through {@link CatalogRelay}.
 */
public class WsGateway {
  private static final Pattern CLIENT = Pattern.compile("[a-z]{1,16}");

  private final Vertx vertx;
  private final ApiAuth auth;
  private final Operations operations;
  private final Presence presence;
  private final GatewaySettings settings;
  private final Map<String, WsConnection> connections = new LinkedHashMap<>();
  /** Connection id → {@link dev.maestro.webui.WebUi#sessionKey} of the browser session it was opened with. */
  private final Map<String, String> browserSessions = new java.util.HashMap<>();
  private MessageConsumer<JsonObject> revocations;
  private MessageConsumer<io.vertx.core.buffer.Buffer> presenceEvents;
  private final CatalogRelay catalog;
  private long timer = -1;
  private Runnable unrejoin;
  static final long[] CATCH_UP_AFTER_MS = {0, 3_000, 8_000};

  public WsGateway(Vertx vertx, ApiAuth auth, Operations operations, Presence presence, GatewaySettings settings) {
    this.vertx = vertx;
    this.auth = auth;
    this.operations = operations;
    this.presence = presence;
    this.settings = settings;
    WsConnection.relayLatency(vertx); // on /metrics from the start, before the first socket
    this.catalog = new CatalogRelay(vertx, connections::values);
  }

  public Future<Void> start() {
    revocations = vertx.eventBus().consumer(Addresses.GATEWAY_REVOKED, m -> revoked(m.body()));
    // presence envelopes of any gateway, for this node's followers of the session (one consumer per node)
    presenceEvents = vertx.eventBus().<io.vertx.core.buffer.Buffer>consumer(Addresses.GATEWAY_PRESENCE, m -> {
      String sessionId = m.headers().get(dev.maestro.contracts.session.SessionEvents.SESSION_HEADER);
      if (sessionId != null) dev.maestro.platform.SessionInbox.deliverLocally(vertx, sessionId, m.body());
    });
    timer = vertx.setPeriodic(settings.wsHeartbeatSeconds() * 1000L, t -> heartbeat());
    presence.onRecovered(this::presenceRecovered);
    // after a partition healed, events published across it while the two sides were apart were lost for
    // the subscribers here; a session that then goes quiet would never show them (chaos partition: clients
    // silent until their 30-s watchdog). Every subscription fetches what it missed: at once, and again while
    // the merged side publishes its subscriptions anew (until then the owners' events still go nowhere)
    unrejoin = dev.maestro.platform.DeadRequesterWatch.shared(vertx).onRejoin(() -> {
      for (long delay : CATCH_UP_AFTER_MS) {
        if (delay == 0) catchUp();
        else vertx.setTimer(delay, t -> catchUp());
      }
    });
    return Future.all(revocations.completion(), presenceEvents.completion(), catalog.start()).mapEmpty();
  }

  public Future<Void> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    if (unrejoin != null) unrejoin.run();
    new ArrayList<>(connections.values()).forEach(c -> c.close((short) 1001, "gateway stopping"));
    if (presenceEvents != null) presenceEvents.unregister();
    Future<Void> relay = catalog.stop();
    return revocations == null ? relay : Future.all(relay, revocations.unregister()).mapEmpty();
  }

  public int openSockets() {
    return connections.size();
  }

  public void handle(RoutingContext rc) {
    rc.request().pause();
    auth.authenticateUpgrade(rc).onComplete(ar -> {
      if (ar.failed()) {
        rc.request().resume();
        Problems.fail(rc, ar.cause());
        return;
      }
      Principal p = ar.result();
      String requested = rc.request().getParam("client");
      String client = requested != null && CLIENT.matcher(requested).matches() ? requested : p.cookie() ? "web" : "tui";
      String browserSession = p.cookie() && rc.session() != null ? dev.maestro.webui.WebUi.sessionKey(rc.session()) : null;
      rc.request().toWebSocket().onSuccess(ws -> {
        FlushPerTick.install(rc.request().connection());
        WsConnection[] holder = new WsConnection[1];
        WsConnection c = new WsConnection(vertx, ws, p, client, operations, presence, settings.wsMaxQueuedFrames(),
            () -> {
              connections.remove(holder[0].id);
              browserSessions.remove(holder[0].id);
            });
        holder[0] = c;
        c.limitFrames(settings.wsFramesPerSecond(), settings.wsFrameBurst());
        connections.put(c.id, c);
        if (browserSession != null) browserSessions.put(c.id, browserSession);
        c.start();
      }).onFailure(err -> {
        if (!rc.response().ended()) Problems.send(rc, 400, "a WebSocket upgrade was expected");
      });
    });
  }

  /** Every open socket fetches, per subscription, the events after the last one it delivered. */
  public void catchUp() {
    new ArrayList<>(connections.values()).forEach(WsConnection::catchUp);
  }

  private void revoked(JsonObject body) {
    String tokenId = body.getString("tokenId");
    String userId = body.getString("userId");
    String webSession = body.getString("webSession");
    for (WsConnection c : new ArrayList<>(connections.values())) {
      if (tokenId != null ? tokenId.equals(c.principal.tokenId())
          : userId != null ? userId.equals(c.principal.userId())
          : webSession != null && webSession.equals(browserSessions.get(c.id))) {
        c.close(CloseCodes.REVOKED, tokenId != null ? "token revoked" : userId != null ? "user revoked" : "signed out");
      }
    }
  }

  private void heartbeat() {
    long now = System.currentTimeMillis();
    long idleLimit = settings.wsHeartbeatSeconds() * 3000L;
    List<Presence.Entry> entries = new ArrayList<>();
    for (WsConnection c : new ArrayList<>(connections.values())) {
      Instant exp = c.principal.expiresAt();
      if (exp != null && exp.toEpochMilli() <= now) {
        c.close(CloseCodes.REVOKED, "token expired");
      } else if (now - c.lastSeen > idleLimit) {
        c.close(CloseCodes.HEARTBEAT_TIMEOUT, "heartbeat timeout");
      } else {
        c.ping();
        entries.addAll(c.presenceEntries());
      }
    }
    presence.refresh(entries);
  }

  /** Redis is back: re-register this instance's sockets at once and tell subscribers who is here. */
  private void presenceRecovered() {
    List<Presence.Entry> entries = new ArrayList<>();
    connections.values().forEach(c -> entries.addAll(c.presenceEntries()));
    Set<String> ids = new HashSet<>();
    entries.forEach(e -> ids.add(e.sessionId()));
    presence.refresh(entries).onSuccess(ok -> ids.forEach(presence::announce));
  }
}
