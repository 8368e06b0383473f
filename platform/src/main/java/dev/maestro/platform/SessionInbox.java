package dev.maestro.platform;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A node's inbox for session events (issue 14): one bus consumer per event loop of the node, registered
 * once (see {@link #of}), instead of a cluster consumer per session subscription (whose registration churned Hazelcast's subscription map and
 * woke every member on each subscribe). Each session followed here is followed once per node, however
 * many sockets, runs or relays on the node want it: the owner holds a lease for this inbox
 * ({@link SessionFollowers}) and sends each event here once; the inbox hands it to every local follower
 * on that follower's own context.
 * <p>Failover: the node renews its leases every third of {@link SessionFollowers#LEASE_MS}; a new owner
 * announces its activation ({@link Addresses#SESSION_ACTIVATED}), and a follower then follows it again
 * asking for what it holds after the last seq seen here, so nothing the new owner published before the
 * follow arrived is missed (live events wait meanwhile). A renewal that finds a newer owner does the same
 * (an announcement lost). Following never activates a session: a session nobody runs has no events.
 * <p>All state of an inbox lives on its event loop; {@link #of} gives the caller's loop's inbox.
 */
public final class SessionInbox {
  private static final Logger LOG = LoggerFactory.getLogger(SessionInbox.class);
  private static final long REQUEST_TIMEOUT_MS = 10_000;
  /** Per Vert.x instance, one inbox per event loop that followers run on (null: followers off any event loop). */
  private static final Map<Vertx, Map<io.netty.channel.EventLoop, SessionInbox>> INBOXES = new HashMap<>();

  /** One event of a followed session as its owner serialized it: seq and epoch -1 when it has none (presence). */
  public record Event(String sessionId, long seq, long epoch, Buffer bytes) { }

  /** One local follower: {@link #ready()} once the owner knows this node (or the session is not live); close ends it. */
  public interface Follow {
    Future<Void> ready();

    void close();
  }

  /**
   * The inbox for the caller's event loop on this Vert.x instance, made (and its consumers registered) on
   * first use. One per event loop rather than one per node: an event then reaches a WebSocket on the very
   * loop the bus hands it to, with no second thread hand-off (measured: that hop cost the gateway more per
   * chunk than it saved); a node sends at most one copy per event loop with followers, and the consumers
   * are made once, never per subscription or turn.
   */
  public static SessionInbox of(Vertx vertx) {
    ContextInternal current = (ContextInternal) Vertx.currentContext();
    io.netty.channel.EventLoop loop = current != null && current.owner() == vertx && current.isEventLoopContext()
        ? current.nettyEventLoop() : null;
    synchronized (INBOXES) {
      Map<io.netty.channel.EventLoop, SessionInbox> inboxes = INBOXES.get(vertx);
      if (inboxes == null) {
        inboxes = new HashMap<>();
        INBOXES.put(vertx, inboxes);
        Map<io.netty.channel.EventLoop, SessionInbox> made = inboxes;
        ((VertxInternal) vertx).addCloseHook(done -> {
          synchronized (INBOXES) {
            INBOXES.remove(vertx, made);
          }
          done.succeed();
        });
      }
      SessionInbox inbox = inboxes.get(loop);
      if (inbox == null) {
        inbox = new SessionInbox(vertx, contextOn((VertxInternal) vertx, loop));
        inboxes.put(loop, inbox);
      }
      return inbox;
    }
  }

  /** Hands an event that did not come from an owner (a gateway's presence) to every inbox of this node. */
  public static void deliverLocally(Vertx vertx, String sessionId, Buffer bytes) {
    List<SessionInbox> all;
    synchronized (INBOXES) {
      all = new ArrayList<>(INBOXES.getOrDefault(vertx, Map.of()).values());
    }
    for (SessionInbox inbox : all) inbox.deliverLocally(sessionId, bytes);
  }

  /** A context of its own (no deployment's: it outlives any verticle) on that event loop; any loop for null. */
  private static ContextInternal contextOn(VertxInternal vertx, io.netty.channel.EventLoop loop) {
    ContextInternal ctx = vertx.createEventLoopContext();
    // new contexts take the loops in turn: within a round one lands on the loop asked for
    for (int i = 0; loop != null && ctx.nettyEventLoop() != loop && i < 256; i++) ctx = vertx.createEventLoopContext();
    return ctx;
  }

  private final Vertx vertx;
  private final ContextInternal context;
  private final String address = Addresses.inbox(UUID.randomUUID().toString());
  private final Promise<Void> started = Promise.promise();
  /** Touched only on {@link #context}. */
  private final Map<String, Followed> followed = new HashMap<>();
  /** Sessions this node asks to be published on their own address (the integrators' opt-in), by session. */
  private final Map<String, Followed> published = new HashMap<>();

  private SessionInbox(Vertx vertx, ContextInternal context) {
    this.vertx = vertx;
    this.context = context;
    context.runOnContext(v -> {
      MessageConsumer<Buffer> events = vertx.eventBus().consumer(address, this::onEvent);
      MessageConsumer<JsonObject> activated = vertx.eventBus().consumer(Addresses.SESSION_ACTIVATED, this::onActivated);
      long period = SessionFollowers.LEASE_MS / 3;
      vertx.setPeriodic(period, period, t -> renewAll());
      Future.all(events.completion(), activated.completion()).<Void>mapEmpty().onComplete(started);
    });
  }

  /** The inbox address (what the owners send to). */
  public String address() {
    return address;
  }

  /**
   * Follows a session's events for userId (the owner refuses another user's session as missing); handler
   * runs on the caller's context, in seq order, each event once.
   */
  public Follow follow(String userId, String sessionId, Handler<Event> handler) {
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    Local local = new Local(caller, handler, caller.promise());
    context.runOnContext(v -> started.future().onComplete(ar -> {
      if (local.closed) {
        local.ready.tryFail("closed");
        return;
      }
      if (ar.failed()) {
        local.ready.tryFail(ar.cause());
        return;
      }
      Followed f = followed.get(sessionId);
      if (f == null) {
        Followed made = new Followed(sessionId, userId, address);
        followed.put(sessionId, made);
        made.ready = request(made, null, false).map(r -> {
          followed(made, r);
          return (Void) null;
        }).onFailure(err -> {
          // not followed (no access, or no session node): the next follow asks again
          if (followed.get(sessionId) == made) followed.remove(sessionId);
        });
        f = made;
      } else if (userId != null && !userId.equals(f.userId)) {
        // followed here for another user already: this user is asked about like the first (a stranger is refused)
        Followed existing = f;
        request(existing, userId, null, false).onComplete(check -> {
          if (check.failed()) {
            local.ready.tryFail(check.cause());
          } else if (!local.closed) {
            local.followed = existing;
            existing.locals.add(local);
            existing.ready.onComplete(local.ready);
          }
        });
        return;
      }
      local.followed = f;
      f.locals.add(local);
      f.ready.onComplete(local.ready);
    }));
    return local;
  }

  /**
   * The opt-in of {@code BUS.md}: while the returned follow is open, the session's owner also publishes each
   * event on {@link Addresses#sessionEvents} (for listeners there), renewed and moved to a new owner like
   * any follow. Events published while no owner knew of it (e.g. right after a takeover) are not replayed
   * there: resume with {@code SessionService.events(afterSeq)}.
   */
  public Follow publishOnSessionAddress(String userId, String sessionId) {
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    Local local = new Local(caller, e -> { }, caller.promise());
    context.runOnContext(v -> started.future().onComplete(ar -> {
      if (local.closed || ar.failed()) {
        local.ready.tryFail(ar.failed() ? ar.cause() : new IllegalStateException("closed"));
        return;
      }
      Followed f = published.get(sessionId);
      if (f == null) {
        Followed made = new Followed(sessionId, userId, Addresses.sessionEvents(sessionId));
        published.put(sessionId, made);
        made.ready = request(made, null, false).map(r -> {
          followed(made, r);
          return (Void) null;
        }).onFailure(err -> {
          if (published.get(sessionId) == made) published.remove(sessionId);
        });
        f = made;
      }
      local.followed = f;
      f.locals.add(local);
      f.ready.onComplete(local.ready);
    }));
    return local;
  }

  /** Hands an event that did not come from the owner (a gateway's presence) to this inbox's followers of the session. */
  public void deliverLocally(String sessionId, Buffer bytes) {
    context.runOnContext(v -> {
      Followed f = followed.get(sessionId);
      if (f != null) f.dispatch(new Event(sessionId, -1, -1, bytes));
    });
  }

  /** Sessions followed by this node (tests). */
  public Future<Integer> followedCount() {
    Promise<Integer> p = Promise.promise();
    context.runOnContext(v -> p.complete(followed.size()));
    return p.future();
  }

  private void onEvent(Message<Buffer> m) {
    Followed f = followed.get(m.headers().get(SessionEvents.SESSION_HEADER));
    if (f == null) return; // no longer followed here: the lease lapses at the owner
    Event e = new Event(f.sessionId, SessionEvents.seqHeader(m.headers()), SessionEvents.epochHeader(m.headers()), m.body());
    if (f.pending != null) f.pending.add(e);
    else f.dispatch(e);
  }

  private void onActivated(Message<JsonObject> m) {
    String sessionId = m.body().getString("sessionId");
    long epoch = m.body().getLong("epoch", -1L);
    Followed f = followed.get(sessionId);
    if (f != null && epoch > f.epoch) followAgain(f);
    Followed p = published.get(sessionId);
    if (p != null && epoch > p.epoch) followAgain(p);
  }

  /** Renews every lease; a newer owner found this way (its announcement lost) is followed again with a backlog. */
  private void renewAll() {
    List<Followed> all = new ArrayList<>(followed.values());
    all.addAll(published.values());
    for (Followed f : all) {
      if (f.ready == null || !f.ready.isComplete()) continue;
      request(f, null, false).onSuccess(r -> {
        if (r.getBoolean("live", false) && r.getLong("epoch", -1L) > f.epoch && f.locals.size() > 0) followAgain(f);
      }).onFailure(err -> LOG.debug("session {}: lease not renewed: {}", f.sessionId, err.getMessage()));
    }
  }

  /**
   * A new owner: follow it and ask what it holds after the last seq seen here (all of it is newer than
   * the old owner's), delivering that before the live events that arrive meanwhile.
   */
  private void followAgain(Followed f) {
    if (f.pending != null) return;
    f.pending = new ArrayList<>();
    // (seq numbers start at 1: 0 asks for everything held)
    request(f, Math.max(0, f.lastSeq), false).onComplete(ar -> {
      List<Event> waiting = f.pending;
      f.pending = null;
      if (ar.succeeded()) followed(f, ar.result());
      else LOG.info("session {}: cannot follow its new owner yet: {}", f.sessionId, ar.cause().getMessage());
      for (Event e : waiting) f.dispatch(e);
    });
  }

  /** The owner's answer: its epoch, and the held events asked for (in seq order). */
  private void followed(Followed f, JsonObject r) {
    if (!r.getBoolean("live", false)) return;
    JsonArray items = r.getJsonArray("items");
    if (items != null) {
      List<JsonObject> backlog = new ArrayList<>();
      for (Object o : items) if (o instanceof JsonObject j) backlog.add(j);
      backlog.sort(Comparator.comparingLong(j -> j.getLong("seq", -1L)));
      for (JsonObject j : backlog) f.dispatch(new Event(f.sessionId, j.getLong("seq", -1L), j.getLong(SessionEvents.EPOCH, -1L), j.toBuffer()));
    }
    // only after the backlog: it may begin with turn ends that earlier owners published (lower epochs, lower
    // seqs, issue 17), which a raised epoch would drop as a stale copy's
    f.epoch = Math.max(f.epoch, r.getLong("epoch", -1L));
  }

  private Future<JsonObject> request(Followed f, Long afterSeq, boolean unfollow) {
    return request(f, f.userId, afterSeq, unfollow);
  }

  private Future<JsonObject> request(Followed f, String userId, Long afterSeq, boolean unfollow) {
    JsonObject body = new JsonObject().put("sessionId", f.sessionId).put("userId", userId).put("inbox", f.inbox).put("token", f.token);
    if (afterSeq != null) body.put("afterSeq", afterSeq);
    if (unfollow) body.put("unfollow", true);
    return vertx.eventBus().<JsonObject>request(Addresses.SESSION_FOLLOW, body, new DeliveryOptions().setSendTimeout(REQUEST_TIMEOUT_MS))
        .map(Message::body);
  }

  /** One session followed by this node. */
  private final class Followed {
    final String sessionId;
    final String userId;
    final String inbox;
    final String token = UUID.randomUUID().toString();
    final List<Local> locals = new ArrayList<>();
    long lastSeq = -1;
    long epoch = -1;
    /** Non-null while a new owner's backlog is awaited: live events wait here. */
    List<Event> pending;
    Future<Void> ready;

    Followed(String sessionId, String userId, String inbox) {
      this.sessionId = sessionId;
      this.userId = userId;
      this.inbox = inbox;
    }

    void dispatch(Event e) {
      // a stale owner's events (a newer epoch was heard) and what was delivered already go no further
      if (e.epoch() >= 0) {
        if (e.epoch() < epoch) return;
        epoch = e.epoch();
      }
      if (e.seq() >= 0) {
        if (e.seq() <= lastSeq) return;
        lastSeq = e.seq();
      }
      for (Local l : locals) l.deliver(e);
    }
  }

  /** Touched only on {@link #context}: one mailbox per event loop that followers run on (as many as the node has). */
  private final Map<io.netty.channel.EventLoop, Mailbox> mailboxes = new HashMap<>();

  /**
   * Events for followers on another context, handed over in batches: the events of one bus read for many
   * sockets of one event loop cost one task (and at most one wake-up) instead of one each.
   */
  private static final class Mailbox {
    /** Any context of the event loop: each handler still runs as its own follower's context. */
    private final ContextInternal target;
    private final java.util.concurrent.ConcurrentLinkedQueue<Object[]> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean scheduled = new java.util.concurrent.atomic.AtomicBoolean();

    Mailbox(ContextInternal target) {
      this.target = target;
    }

    void post(Local local, Event e) {
      queue.add(new Object[] {local, e});
      if (scheduled.compareAndSet(false, true)) target.runOnContext(v -> drain());
    }

    private void drain() {
      // (cleared first: what is posted from now on schedules another run, nothing waits unseen)
      scheduled.set(false);
      Object[] item;
      while ((item = queue.poll()) != null) {
        Local l = (Local) item[0];
        if (!l.closed) l.caller.emit((Event) item[1], l.handler);
      }
    }
  }

  private final class Local implements Follow {
    final ContextInternal caller;
    final Handler<Event> handler;
    final Promise<Void> ready;
    Followed followed;
    volatile boolean closed;

    Local(ContextInternal caller, Handler<Event> handler, Promise<Void> ready) {
      this.caller = caller;
      this.handler = handler;
      this.ready = ready;
    }

    void deliver(Event e) {
      if (closed) return;
      // on the follower's thread already (it shares this event loop): run it now, as the follower's context
      if (!caller.isEventLoopContext()) {
        caller.runOnContext(v -> {
          if (!closed) handler.handle(e);
        });
      } else if (caller.nettyEventLoop().inEventLoop()) {
        caller.emit(e, handler);
      } else {
        mailboxes.computeIfAbsent(caller.nettyEventLoop(), loop -> new Mailbox(caller)).post(this, e);
      }
    }

    @Override
    public Future<Void> ready() {
      return ready.future();
    }

    @Override
    public void close() {
      closed = true;
      context.runOnContext(v -> {
        Followed f = followed;
        if (f == null || !f.locals.remove(this)) return;
        Map<String, Followed> map = f.inbox.equals(address) ? SessionInbox.this.followed : published;
        if (f.locals.isEmpty() && map.get(f.sessionId) == f) {
          map.remove(f.sessionId);
          request(f, null, true).onFailure(err -> { }); // (else its lease lapses)
        }
      });
    }
  }
}
