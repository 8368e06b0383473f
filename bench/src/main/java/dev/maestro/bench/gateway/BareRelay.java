package dev.maestro.bench.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The measured floor of the end-to-end bench: one bare Vert.x relay hop (HTTP in, HTTP to the fake
 * upstream, each SSE buffer written on as it arrives; no parsing, no bus, no database) on its own
 * event loop. What any relaying service costs at least on this machine in the same run: the system's
 * added latency is read against this one.
 */
final class BareRelay {
  private BareRelay() {}

  static Future<HttpServer> start(Vertx vertx, int upstreamPort, int maxStreams) {
    HttpClient upstream = vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true)
        .setDefaultHost("127.0.0.1").setDefaultPort(upstreamPort), new PoolOptions().setHttp1MaxSize(maxStreams + 16));
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true))
        .requestHandler(req -> req.body()
            .compose(body -> upstream.request(new RequestOptions().setMethod(req.method()).setURI(req.uri())
                    .putHeader("content-type", req.getHeader("content-type"))
                    .putHeader("authorization", String.valueOf(req.getHeader("authorization")))
                    .putHeader("accept", "text/event-stream"))
                .compose(up -> up.send(body)))
            .onSuccess(resp -> {
              HttpServerResponse out = req.response().setStatusCode(resp.statusCode()).setChunked(true);
              String type = resp.getHeader("content-type");
              if (type != null) out.putHeader("content-type", type);
              resp.handler(out::write);
              resp.endHandler(v -> out.end());
              resp.exceptionHandler(e -> out.reset());
            })
            .onFailure(e -> req.response().setStatusCode(502).end()))
        .listen();
  }
}
