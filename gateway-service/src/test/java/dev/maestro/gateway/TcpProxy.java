package dev.maestro.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A loopback TCP proxy to a real server that a test can cut and restore, to stop "Redis" without touching the shared one. */
public class TcpProxy {
  private final Vertx vertx;
  private final int targetPort;
  private final NetClient client;
  private final List<NetSocket> open = new CopyOnWriteArrayList<>();
  private NetServer server;
  private int port;

  public TcpProxy(Vertx vertx, int targetPort) {
    this.vertx = vertx;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  public int start(int listenPort) throws Exception {
    server = vertx.createNetServer().connectHandler(in -> {
      in.pause();
      client.connect(targetPort, "127.0.0.1").onSuccess(out -> {
        open.add(in);
        open.add(out);
        in.handler(out::write);
        out.handler(in::write);
        in.closeHandler(v -> out.close());
        out.closeHandler(v -> in.close());
        in.resume();
      }).onFailure(err -> in.close());
    });
    port = server.listen(listenPort, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    return port;
  }

  /** Refuses new connections and drops every open one, like a stopped server. */
  public void stop() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
    for (NetSocket s : open) s.close();
    open.clear();
  }

  public void restart() throws Exception {
    start(port);
  }
}
