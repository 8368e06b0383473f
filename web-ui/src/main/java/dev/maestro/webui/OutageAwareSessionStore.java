package dev.maestro.webui;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.AbstractSession;
import io.vertx.ext.web.sstore.SessionStore;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Redis session store, with its failures turned into one clear 503 ("browser sessions are
 * unavailable") instead of a connection exception per request, and logged once per outage rather
 * than once per request: while Redis is down, bearer-token clients keep working and browsers get
 * an answer they can act on.
 */
final class OutageAwareSessionStore implements SessionStore {
  private static final Logger LOG = LoggerFactory.getLogger(OutageAwareSessionStore.class);
  static final String UNAVAILABLE = "browser sign-in sessions are unavailable: Redis cannot be reached (API tokens still work)";

  private final SessionStore store;
  private final AtomicBoolean down = new AtomicBoolean();

  OutageAwareSessionStore(SessionStore store) {
    this.store = store;
  }

  @Override
  public SessionStore init(Vertx vertx, JsonObject options) {
    store.init(vertx, options);
    return this;
  }

  @Override
  public long retryTimeout() {
    return store.retryTimeout();
  }

  @Override
  public Session createSession(long timeout) {
    return store.createSession(timeout);
  }

  @Override
  public Session createSession(long timeout, int length) {
    return store.createSession(timeout, length);
  }

  @Override
  public Future<Session> get(String cookieValue) {
    return watch(store.get(cookieValue));
  }

  @Override
  public Future<Void> delete(String id) {
    return watch(store.delete(id));
  }

  @Override
  public Future<Void> put(Session session) {
    return watch(store.put(session).recover(err -> concurrentlyUpdated(session).compose(other -> {
      if (!other) return Future.failedFuture(err);
      // Another request of the same browser (a second tab, a quick next click) stored the session
      // since this one read it. Its copy stands and this request's change (at most a one-shot message)
      // is dropped: failing would turn a done action into an error page, or worse, blame Redis.
      LOG.debug("web session changed by a concurrent request; its stored copy is kept");
      return Future.<Void>succeededFuture();
    })));
  }

  /** Whether the store holds a newer copy of this session than the one a failed put had (Redis is then up). */
  private Future<Boolean> concurrentlyUpdated(Session session) {
    if (!(session instanceof AbstractSession mine)) return Future.succeededFuture(false);
    return store.get(session.id()).map(stored -> stored instanceof AbstractSession theirs && theirs.version() != mine.version())
        .otherwise(false);
  }

  @Override
  public Future<Void> clear() {
    return watch(store.clear());
  }

  @Override
  public Future<Integer> size() {
    return watch(store.size());
  }

  @Override
  public void close() {
    store.close();
  }

  private <T> Future<T> watch(Future<T> op) {
    return op.transform(ar -> {
      if (ar.succeeded()) {
        if (down.compareAndSet(true, false)) LOG.info("browser sessions: Redis is reachable again");
        return Future.succeededFuture(ar.result());
      }
      if (down.compareAndSet(false, true)) {
        LOG.warn("browser sessions: Redis cannot be reached ({}); browsers get 503 until it returns", ar.cause().getMessage());
      }
      return ServiceException.fail(ErrorCodes.UNAVAILABLE, UNAVAILABLE, new JsonObject());
    });
  }
}
