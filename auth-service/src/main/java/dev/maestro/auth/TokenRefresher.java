package dev.maestro.auth;

import dev.maestro.auth.crypto.SecretBox;
import dev.maestro.auth.crypto.SecretUnreadableException;
import dev.maestro.auth.oauth.OAuth2Client;
import dev.maestro.auth.oauth.TokenGrantException;
import dev.maestro.auth.oauth.TokenResponse;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Hands out usable secrets and keeps OAuth tokens fresh, exactly once across a cluster.
 *
 * <p>Every refresh runs inside a transaction that holds the credential's row lock from before the
 * token request until the new tokens (including a rotated refresh token) are committed. The timer
 * claims due rows with {@code FOR UPDATE SKIP LOCKED}, so two instances never pick the same row;
 * an on-demand refresh waits for the lock ({@code FOR UPDATE}) and then re-checks whether the row is
 * still due, so it reuses a refresh another instance just made. Concurrent callers in one instance
 * share one in-flight future per credential.
 */
public final class TokenRefresher {
  private static final Logger LOG = LoggerFactory.getLogger(TokenRefresher.class);
  private static final String COLS = "id, user_id, provider, kind, base_url, status, secret_ct, refresh_ct,"
      + " oauth_client_id, expires_at, refresh_failures, resource, mcp_server_id,"
      + " (next_refresh_at IS NOT NULL AND next_refresh_at <= clock_timestamp()) AS due,"
      + " (expires_at IS NOT NULL AND expires_at <= clock_timestamp()) AS expired,"
      + " (refreshed_at IS NOT NULL AND refreshed_at > clock_timestamp() - interval '5 seconds') AS just_refreshed";

  private final Pool pool;
  private final SecretBox box;
  private final OAuth2Client tokens;
  private final OAuthClientStore clients;
  private final StatusEvents events;
  private final RefreshPolicy policy;
  private final Map<String, Future<JsonObject>> inFlight = new ConcurrentHashMap<>();

  public TokenRefresher(Pool pool, SecretBox box, OAuth2Client tokens, OAuthClientStore clients, StatusEvents events,
                        RefreshPolicy policy) {
    this.pool = pool;
    this.box = box;
    this.tokens = tokens;
    this.clients = clients;
    this.events = events;
    this.policy = policy;
  }

  private io.micrometer.core.instrument.Counter refreshes = new io.micrometer.core.instrument.composite.CompositeMeterRegistry().counter("unused"); // a no-op until metrics()
  private io.micrometer.core.instrument.Counter failures = refreshes;

  /** Counts refreshes and failed refreshes in the service's registry ({@link dev.maestro.platform.MetricNames}). */
  public TokenRefresher metrics(io.micrometer.core.instrument.MeterRegistry registry) {
    refreshes = io.micrometer.core.instrument.Counter.builder(dev.maestro.platform.MetricNames.CREDENTIAL_REFRESHES)
        .description("OAuth credential refreshes attempted").register(registry);
    failures = io.micrometer.core.instrument.Counter.builder(dev.maestro.platform.MetricNames.CREDENTIAL_REFRESH_FAILURES)
        .description("OAuth credential refreshes that failed").register(registry);
    return this;
  }

  /** What happened to one locked row; failures are values so the transaction still commits. */
  private record Outcome(JsonObject resolved, ServiceException failure, String userId, String newStatus, boolean refreshed) {
    Outcome(JsonObject resolved, ServiceException failure, String userId, String newStatus) {
      this(resolved, failure, userId, newStatus, false);
    }

    static Outcome ok(JsonObject resolved) {
      return new Outcome(resolved, null, null, null);
    }
  }

  /** The secret, refreshing an OAuth token first when it is due. */
  public Future<JsonObject> resolve(String credentialId) {
    UUID id = CredentialStore.parseId(credentialId);
    return pool.preparedQuery("SELECT " + COLS + " FROM credential WHERE id=$1").execute(Tuple.of(id))
        .compose(rows -> {
          if (rows.size() == 0) return Future.failedFuture(CredentialStore.notFound(credentialId));
          Row row = rows.iterator().next();
          ServiceException unusable = unusable(row);
          if (unusable != null) return Future.failedFuture(unusable);
          if (!"oauth".equals(row.getString("kind")) || !row.getBoolean("due")) return Future.succeededFuture(resolved(row));
          return singleFlight(credentialId, () -> refreshUnderLock(id, false));
        });
  }

  /** After an upstream 401: refresh now, unless another caller refreshed it in the last seconds. */
  public Future<JsonObject> forceRefresh(String credentialId) {
    UUID id = CredentialStore.parseId(credentialId);
    return singleFlight(credentialId, () -> refreshUnderLock(id, true));
  }

  private Future<JsonObject> singleFlight(String key, Supplier<Future<JsonObject>> work) {
    Future<JsonObject> running = inFlight.get(key);
    if (running != null) return running;
    Future<JsonObject> f = work.get();
    inFlight.put(key, f);
    // Removal runs when f completes; if it already completed, remove at once.
    f.onComplete(ar -> inFlight.remove(key, f));
    return f;
  }

  private Future<JsonObject> refreshUnderLock(UUID id, boolean force) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT " + COLS + " FROM credential WHERE id=$1 FOR UPDATE")
            .execute(Tuple.of(id))
            .compose(rows -> {
              if (rows.size() == 0) return Future.failedFuture(CredentialStore.notFound(id.toString()));
              Row row = rows.iterator().next();
              ServiceException unusable = unusable(row);
              if (unusable != null) return Future.succeededFuture(new Outcome(null, unusable, null, null));
              if (!"oauth".equals(row.getString("kind"))) {
                return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST,
                    "credential " + id + " is an API key; there is nothing to refresh"));
              }
              boolean needed = force ? !row.getBoolean("just_refreshed") : row.getBoolean("due");
              return needed ? refreshRow(conn, row) : Future.succeededFuture(Outcome.ok(resolved(row)));
            }))
        .compose(this::finish);
  }

  /**
   * One timer round: claims due credentials one at a time with SKIP LOCKED, {@code workers} in
   * parallel, until none is due. Completes with the number refreshed (successfully or not).
   */
  public Future<Integer> refreshDue(int workers) {
    // most rounds find nothing due: one read answers that, instead of a transaction (BEGIN, SELECT ... FOR
    // UPDATE SKIP LOCKED, COMMIT) per worker every round (issue 14: idle CPU of auth-service and PostgreSQL)
    return anyDue().compose(due -> {
      if (!due) return Future.succeededFuture(0);
      List<Future<Integer>> all = new ArrayList<>();
      for (int i = 0; i < workers; i++) all.add(claimLoop(0));
      return Future.all(all).map(cf -> all.stream().mapToInt(Future::result).sum());
    });
  }

  /** Whether a credential is due for a refresh now (the claim below still decides who refreshes it). */
  private Future<Boolean> anyDue() {
    return pool.query("SELECT 1 FROM credential WHERE kind='oauth' AND status IN ('active','refreshing')"
        + " AND next_refresh_at <= clock_timestamp() LIMIT 1").execute().map(rows -> rows.size() > 0);
  }

  private Future<Integer> claimLoop(int done) {
    return claimOne().compose(found -> found ? claimLoop(done + 1) : Future.succeededFuture(done));
  }

  private Future<Boolean> claimOne() {
    return pool.withTransaction(conn -> conn.query("SELECT " + COLS + " FROM credential WHERE kind='oauth'"
                + " AND status IN ('active','refreshing') AND next_refresh_at <= clock_timestamp()"
                + " ORDER BY next_refresh_at LIMIT 1 FOR UPDATE SKIP LOCKED").execute()
            .compose(rows -> rows.size() == 0 ? Future.succeededFuture((Outcome) null) : refreshRow(conn, rows.iterator().next())))
        .map(outcome -> {
          if (outcome == null) return false;
          finish(outcome);   // publishes the status change; the failure itself is not the timer's to report
          return true;
        });
  }

  private Future<JsonObject> finish(Outcome o) {
    if (o.newStatus() != null) events.publish(o.resolved() != null ? o.resolved().getString("id") : failureId(o), o.userId(), o.newStatus());
    if (o.refreshed()) events.changed(o.resolved().getString("id"), "refreshed");   // finish runs after the commit
    return o.failure() != null ? Future.failedFuture(o.failure()) : Future.succeededFuture(o.resolved());
  }

  private static String failureId(Outcome o) {
    JsonObject d = o.failure().getDebugInfo();
    return d == null ? null : d.getString("credentialId");
  }

  /** Requests new tokens for a locked row and writes the result through the same connection. */
  private Future<Outcome> refreshRow(SqlConnection conn, Row row) {
    refreshes.increment();
    Future<Outcome> outcome = attemptRefresh(conn, row);
    return outcome.andThen(ar -> {
      if (ar.failed() || ar.result().failure() != null) failures.increment();
    });
  }

  private Future<Outcome> attemptRefresh(SqlConnection conn, Row row) {
    String id = row.getUUID("id").toString();
    String refreshToken;
    try {
      Buffer ct = row.getBuffer("refresh_ct");
      refreshToken = ct == null ? null : box.decrypt(ct.getBytes(), CredentialStore.refreshContext(id), "the refresh token of credential " + id);
    } catch (SecretUnreadableException e) {
      return markUnusable(conn, row, "invalid", e.getMessage());
    }
    if (refreshToken == null) return markUnusable(conn, row, "needs_reauth", "no refresh token was issued; sign in again");
    UUID clientId = row.getUUID("oauth_client_id");
    if (clientId == null) return markUnusable(conn, row, "needs_reauth", "its OAuth client was deleted; sign in again");
    String rt = refreshToken;
    return clients.config(conn, clientId.toString())
        .compose(cfg -> tokens.refresh(cfg, rt, row.getString("resource"))
            .compose(tr -> storeTokens(conn, row, tr))
            .recover(err -> {
              if (err instanceof TokenGrantException tge && tge.rejected()) {
                LOG.warn("credential {}: refresh rejected ({}); marked needs_reauth", id, tge.error());
                return markUnusable(conn, row, "needs_reauth", tge.getMessage());
              }
              return backOff(conn, row, err.getMessage());
            }));
  }

  private Future<Outcome> storeTokens(SqlConnection conn, Row row, TokenResponse tr) {
    String id = row.getUUID("id").toString();
    byte[] access = box.encrypt(tr.accessToken(), CredentialStore.secretContext(id));
    // A server that does not rotate may omit refresh_token: keep the one we have.
    byte[] refresh = tr.refreshToken() == null ? reencryptExisting(row) : box.encrypt(tr.refreshToken(), CredentialStore.refreshContext(id));
    Double expiresIn = tr.expiresIn() == null ? null : tr.expiresIn().doubleValue();
    Double refreshIn = tr.expiresIn() == null ? null : policy.refreshAfterSeconds(tr.expiresIn());
    return conn.preparedQuery("UPDATE credential SET secret_ct=$2, refresh_ct=$3, key_id=$4, masked_secret=$5,"
            + " expires_at = clock_timestamp() + make_interval(secs => $6::float8),"
            + " next_refresh_at = clock_timestamp() + make_interval(secs => $7::float8),"
            + " status='active', refresh_failures=0, last_error=NULL, refresh_count=refresh_count+1,"
            + " refreshed_at=clock_timestamp(), updated_at=now() WHERE id=$1 RETURNING expires_at")
        .execute(Tuple.of(row.getUUID("id"), Buffer.buffer(access), Buffer.buffer(refresh), box.keys().current().idHex(),
            Masking.mask(tr.accessToken()), expiresIn, refreshIn))
        .map(rows -> {
          JsonObject resolved = resolvedJson(row, tr.accessToken(), OAuthClientStore.time(rows.iterator().next().getOffsetDateTime("expires_at")));
          boolean changed = !"active".equals(row.getString("status"));
          return new Outcome(resolved, null, changed ? row.getString("user_id") : null, changed ? "active" : null, true);
        });
  }

  private byte[] reencryptExisting(Row row) {
    String id = row.getUUID("id").toString();
    String rt = box.decrypt(row.getBuffer("refresh_ct").getBytes(), CredentialStore.refreshContext(id), "the refresh token of credential " + id);
    return box.encrypt(rt, CredentialStore.refreshContext(id));
  }

  private Future<Outcome> markUnusable(SqlConnection conn, Row row, String status, String reason) {
    String id = row.getUUID("id").toString();
    return conn.preparedQuery("UPDATE credential SET status=$2, last_error=$3, next_refresh_at=NULL, updated_at=now() WHERE id=$1")
        .execute(Tuple.of(row.getUUID("id"), status, reason))
        .map(x -> {
          ServiceException failure = new ServiceException(ErrorCodes.CONFLICT,
              "credential " + id + (status.equals("needs_reauth") ? " needs re-authorization: " : " is unusable: ") + reason,
              new JsonObject().put("credentialId", id).put("status", status));
          boolean changed = !status.equals(row.getString("status"));
          return new Outcome(null, failure, changed ? row.getString("user_id") : null, changed ? status : null);
        });
  }

  /** Network error, 5xx or 429: retry later (before expiry); the current token stays usable while valid. */
  private Future<Outcome> backOff(SqlConnection conn, Row row, String reason) {
    String id = row.getUUID("id").toString();
    int failures = row.getInteger("refresh_failures");
    double delay = policy.backoffSeconds(failures);
    LOG.warn("credential {}: refresh failed ({}), retrying in {}s", id, reason, delay);
    return conn.preparedQuery("UPDATE credential SET status='refreshing', refresh_failures=refresh_failures+1, last_error=$2,"
            + " next_refresh_at = CASE WHEN expires_at IS NULL OR expires_at <= clock_timestamp() + make_interval(secs => $3::float8) + interval '2 seconds'"
            + "   THEN clock_timestamp() + make_interval(secs => LEAST($3::float8, GREATEST(1, EXTRACT(EPOCH FROM expires_at - clock_timestamp()) / 2)))"
            + "   ELSE clock_timestamp() + make_interval(secs => $3::float8) END,"
            + " updated_at=now() WHERE id=$1")
        .execute(Tuple.of(row.getUUID("id"), reason, delay))
        .map(x -> {
          boolean changed = !"refreshing".equals(row.getString("status"));
          String userId = changed ? row.getString("user_id") : null;
          String status = changed ? "refreshing" : null;
          if (!row.getBoolean("expired")) return new Outcome(resolved(row), null, userId, status);
          return new Outcome(null, new ServiceException(ErrorCodes.UPSTREAM,
              "credential " + id + " has expired and could not be refreshed yet: " + reason,
              new JsonObject().put("credentialId", id).put("status", "refreshing")), userId, status);
        });
  }

  private static ServiceException unusable(Row row) {
    String status = row.getString("status");
    String id = row.getUUID("id").toString();
    if ("oauth".equals(row.getString("kind")) && ("needs_reauth".equals(status) || "invalid".equals(status))) {
      return new ServiceException(ErrorCodes.CONFLICT, "credential " + id
          + ("needs_reauth".equals(status) ? " needs re-authorization: sign in again" : " is unusable; sign in again"),
          new JsonObject().put("credentialId", id).put("status", status));
    }
    return null;
  }

  private JsonObject resolved(Row row) {
    String id = row.getUUID("id").toString();
    String what = ("oauth".equals(row.getString("kind")) ? "the access token" : "the API key") + " of credential " + id;
    String secret;
    try {
      secret = box.decrypt(row.getBuffer("secret_ct").getBytes(), CredentialStore.secretContext(id), what);
    } catch (SecretUnreadableException e) {
      throw new ServiceException(ErrorCodes.CONFLICT, e.getMessage(), new JsonObject().put("credentialId", id));
    }
    return resolvedJson(row, secret, OAuthClientStore.time(row.getOffsetDateTime("expires_at")));
  }

  private static JsonObject resolvedJson(Row row, String secret, String expiresAt) {
    boolean oauth = "oauth".equals(row.getString("kind"));
    JsonObject out = new JsonObject()
        .put("id", row.getUUID("id").toString())
        .put("provider", row.getString("provider"))
        .put("kind", row.getString("kind"))
        .put("baseUrl", row.getString("base_url"))
        .put("secret", secret)
        .put("scheme", oauth ? "bearer" : "api_key");
    if (expiresAt != null) out.put("expiresAt", expiresAt);
    if (row.getString("mcp_server_id") != null) out.put("serverId", row.getString("mcp_server_id"));
    return out;
  }
}
