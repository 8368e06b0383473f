package dev.maestro.platform.net;

import dev.maestro.platform.net.OutboundPolicy.Checked;
import dev.maestro.platform.net.OutboundPolicy.Target;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.InetSocketAddress;

/**
 * The {@link OutboundPolicy} for Vert.x HTTP clients, with no window for DNS rebinding: the name is
 * resolved by us (off the event loop), every address is checked, and the request is sent to the
 * checked address through {@link RequestOptions#setServer}. Vert.x 5.0.7 then connects to that
 * address while the Host header, the TLS SNI name and the certificate's host check keep using the
 * URL's host (read in {@code HttpChannelConnector.connect}: the remote address is the server, host,
 * port and SNI server name are the request's authority), so https keeps verifying the real name.
 */
public final class OutboundHttp {
  private final Vertx vertx;
  private final OutboundPolicy policy;

  public OutboundHttp(Vertx vertx, OutboundPolicy policy) {
    this.vertx = vertx;
    this.policy = policy;
  }

  public OutboundPolicy policy() {
    return policy;
  }

  /** Checks a URL (resolving it on a worker thread when it names a host); fails with {@link OutboundRefusedException}. */
  public Future<Checked> check(String url) {
    Target t;
    try {
      t = policy.parse(url);
    } catch (OutboundRefusedException e) {
      return Future.failedFuture(e);
    }
    if (t.literal() != null) return Future.succeededFuture(new Checked(t, t.literal()));
    return vertx.executeBlocking(() -> policy.check(t), false);
  }

  /** Request options for {@code url}, pinned to the address that was checked. */
  public Future<RequestOptions> options(String url, RequestOptions base) {
    return check(url).map(c -> pin(base.setAbsoluteURI(url), c));
  }

  /** Sends the request to the checked address; Host and TLS stay on the URL's name. */
  public static RequestOptions pin(RequestOptions options, Checked c) {
    return options.setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(c.address(), c.target().port())));
  }
}
