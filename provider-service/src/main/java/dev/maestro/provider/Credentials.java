package dev.maestro.provider;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.provider.wire.Credential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Usable credentials from auth-service, each kept in memory for at most {@code ttlMillis} (and never
 * past an OAuth token's expiry minus a margin), so a turn does not cost a bus round trip and an AES
 * decryption at auth-service. An entry is dropped at once when auth-service announces a change
 * ({@link Addresses#CREDENTIAL_CHANGED}: deleted, refreshed) or a status change
 * ({@link Addresses#CREDENTIAL_STATUS}), and when the upstream rejects it ({@link #refresh}). The TTL
 * is the backstop for a lost event: a revoked credential stays usable here for at most the TTL.
 */
public final class Credentials {
  /** The TTL backstop. */
  public static final long DEFAULT_TTL_MILLIS = 60_000;
  /** An OAuth token is not served from the cache in the last seconds before it expires. */
  static final long EXPIRY_MARGIN_MILLIS = 30_000;
  /** More distinct credentials than this in a TTL: stop caching new ones (memory bound). */
  static final int MAX_ENTRIES = 10_000;

  private record Entry(Credential credential, long expiresAtMillis) {}

  private final AuthService auth;
  private final long ttlMillis;
  private final LongSupplier clock;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();
  /** Bumped by every invalidation: a resolve that started before one is not cached (it may be stale). */
  private final AtomicLong generation = new AtomicLong();
  private MessageConsumer<JsonObject> changed;
  private MessageConsumer<JsonObject> status;
  private long sweeper = -1;
  private Vertx vertx;

  /** Without invalidation events or caching (TTL 0): every resolve asks auth-service. */
  public Credentials(AuthService auth) {
    this(auth, 0, System::currentTimeMillis);
  }

  public Credentials(AuthService auth, long ttlMillis, LongSupplier clock) {
    this.auth = auth;
    this.ttlMillis = ttlMillis;
    this.clock = clock;
  }

  /** Listens for auth-service's change and status events (cluster-wide) and sweeps expired secrets. */
  public Future<Void> listen(Vertx vertx) {
    this.vertx = vertx;
    changed = vertx.eventBus().consumer(Addresses.CREDENTIAL_CHANGED, m -> invalidate(m.body().getString("credentialId")));
    status = vertx.eventBus().consumer(Addresses.CREDENTIAL_STATUS, m -> invalidate(m.body().getString("credentialId")));
    // expired entries leave memory within a TTL even when never read again
    if (ttlMillis > 0) sweeper = vertx.setPeriodic(ttlMillis, id -> sweep());
    return Future.all(changed.completion(), status.completion()).mapEmpty();
  }

  public Future<Void> close() {
    if (vertx != null && sweeper >= 0) vertx.cancelTimer(sweeper);
    cache.clear();
    if (changed == null) return Future.succeededFuture();
    return Future.join(changed.unregister(), status.unregister()).mapEmpty();
  }

  public Future<Credential> resolve(String credentialId) {
    if (credentialId != null) {
      Entry e = cache.get(credentialId);
      if (e != null) {
        if (e.expiresAtMillis() > clock.getAsLong()) return Future.succeededFuture(e.credential());
        cache.remove(credentialId, e);
      }
    }
    long gen = generation.get();
    return auth.resolveSecret(credentialId).map(json -> {
      Credential c = Credential.fromJson(json);
      remember(credentialId, c, json.getString("expiresAt"), gen);
      return c;
    });
  }

  /** Forces one refresh after an upstream 401 on a bearer (OAuth) credential. */
  public Future<Credential> refresh(String credentialId) {
    invalidate(credentialId);
    long gen = generation.get();
    return auth.refreshCredential(credentialId).map(json -> {
      Credential c = Credential.fromJson(json);
      remember(credentialId, c, json.getString("expiresAt"), gen);
      return c;
    });
  }

  /** Drops one credential's secret (null: all of them). */
  public void invalidate(String credentialId) {
    generation.incrementAndGet();
    if (credentialId == null) cache.clear();
    else cache.remove(credentialId);
  }

  int size() {
    return cache.size();
  }

  private void remember(String credentialId, Credential c, String expiresAt, long gen) {
    if (ttlMillis <= 0 || credentialId == null || cache.size() >= MAX_ENTRIES) return;
    long now = clock.getAsLong();
    long until = now + ttlMillis;
    if (expiresAt != null) {
      try {
        until = Math.min(until, Instant.parse(expiresAt).toEpochMilli() - EXPIRY_MARGIN_MILLIS);
      } catch (DateTimeParseException e) {
        return;   // an expiry we cannot read: do not cache
      }
    }
    if (until <= now) return;
    cache.put(credentialId, new Entry(c, until));
    // an invalidation that arrived while this resolve was in flight wins
    if (generation.get() != gen) cache.remove(credentialId);
  }

  private void sweep() {
    long now = clock.getAsLong();
    cache.entrySet().removeIf(e -> e.getValue().expiresAtMillis() <= now);
  }
}
