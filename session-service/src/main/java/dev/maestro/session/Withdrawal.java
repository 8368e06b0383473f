package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A draining node's consumers taken off the cluster's subscription map while they keep answering what
 * still reaches them ({@link SessionDrain}, issue 17).
 * <p>Why not unregister them: unregistering removes the local handler at once, while the other nodes learn
 * of it only when the subscription map's change reaches them. A request sent to this node meanwhile — or
 * already on its way, or read from the socket just after — finds no handler, and Vert.x's clustered event
 * bus drops a message from another node that finds no handler without any reply (it answers NO_HANDLERS
 * only to a sender on the same node): the caller waited its whole send timeout (15 s) although another
 * session node would have served it. A request already handed to the consumer was discarded with a
 * failure. Withdrawn instead, this node is no longer chosen once the others have seen the change, and
 * whatever still arrives is served here as usual (the draining router hands live commands on). The
 * consumers are unregistered when the verticle stops, after the drain has waited until none of them had
 * a request for {@link #QUIET_MS} ({@link #quiet}).
 */
final class Withdrawal {
  private static final Logger LOG = LoggerFactory.getLogger(Withdrawal.class);
  /** No request for this long on the withdrawn addresses: the other nodes have stopped choosing this one. */
  static final long QUIET_MS = 1_000;
  /** The quiet wait gives up after this long (a node whose view never updates would keep the drain open). */
  static final long QUIET_MAX_MS = 10_000;

  private final Vertx vertx;
  private final Set<String> addresses;
  private volatile long lastArrival;
  private final AtomicLong arrivals = new AtomicLong();
  private Handler<DeliveryContext<Object>> counter;

  Withdrawal(Vertx vertx, Set<String> addresses) {
    this.vertx = vertx;
    this.addresses = Set.copyOf(addresses);
  }

  /**
   * Removes this node's registrations of the addresses from the cluster (the local handlers stay); without
   * a cluster there is nobody to tell and nothing to do.
   */
  Future<Void> start() {
    lastArrival = System.currentTimeMillis();
    counter = ctx -> {
      if (addresses.contains(ctx.message().address())) {
        lastArrival = System.currentTimeMillis();
        arrivals.incrementAndGet();
      }
      ctx.next();
    };
    vertx.eventBus().addInboundInterceptor(counter);
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    if (cm == null) return Future.succeededFuture();
    String self = cm.getNodeId();
    List<Future<Void>> all = new ArrayList<>();
    for (String address : addresses) {
      Promise<List<RegistrationInfo>> regs = Promise.promise();
      cm.getRegistrations(address, regs);
      all.add(regs.future().compose(list -> {
        List<Future<Void>> removed = new ArrayList<>();
        for (RegistrationInfo r : list) {
          // local-only consumers are not chosen by other nodes anyway
          if (!self.equals(r.nodeId()) || r.localOnly()) continue;
          Promise<Void> p = Promise.promise();
          cm.removeRegistration(address, r, p);
          removed.add(p.future());
        }
        return Future.all(removed).<Void>mapEmpty();
      }).onFailure(e -> LOG.warn("drain: could not withdraw {} from the cluster: {}", address, e.toString())));
    }
    return Future.join(all).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /** Completes once no request reached the withdrawn addresses for {@link #QUIET_MS} (at most {@link #QUIET_MAX_MS}). */
  Future<Void> quiet() {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + QUIET_MAX_MS;
    check(done, deadline);
    return done.future().onComplete(ar -> {
      vertx.eventBus().removeInboundInterceptor(counter);
      LOG.info("drain: the withdrawn consumers answered {} request(s) since the drain started", arrivals.get());
    });
  }

  private void check(Promise<Void> done, long deadline) {
    long now = System.currentTimeMillis();
    long quietFor = now - lastArrival;
    if (quietFor >= QUIET_MS || now >= deadline) {
      done.tryComplete();
      return;
    }
    vertx.setTimer(Math.max(10, Math.min(QUIET_MS - quietFor, deadline - now)), t -> check(done, deadline));
  }
}
