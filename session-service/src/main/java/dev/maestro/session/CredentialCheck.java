package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderEvents;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import dev.maestro.contracts.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's credentialId must be one of its user's credentials: provider-service resolves a
 * credential by id alone, so a foreign id would send the turn upstream with somebody else's key.
 * Checked when a session is created or changed (answered like a missing credential) and again
 * before each turn (the credential may have been deleted since).
 */
final class CredentialCheck {
  static final String NOT_FOUND_CODE = "credential_not_found";
  /**
   * How long a turn may rely on an earlier turn's answer without a change announced (the backstop for a lost
   * announcement; provider-service keeps the secret itself as long by default, MAESTRO_PROVIDER_CREDENTIAL_TTL_MS).
   */
  static final long TURN_CHECK_TTL_MS = 60_000;
  private static final Map<Vertx, AtomicLong> GENERATIONS = Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * Registers this node's consumers of auth-service's credential announcements (deleted, refreshed, status changed):
   * each bumps one generation per Vert.x instance, and a live session's remembered check is only used while the
   * generation is the one it was made under (issue 14, as {@link ToolListCache}).
   */
  static List<MessageConsumer<JsonObject>> listen(Vertx vertx) {
    AtomicLong generation = generation(vertx);
    return List.of(vertx.eventBus().consumer(Addresses.CREDENTIAL_CHANGED, m -> generation.incrementAndGet()),
        vertx.eventBus().consumer(Addresses.CREDENTIAL_STATUS, m -> generation.incrementAndGet()));
  }

  static AtomicLong generation(Vertx vertx) {
    return GENERATIONS.computeIfAbsent(vertx, v -> new AtomicLong());
  }

  private final AuthService auth;
  /** null: every turn asks auth-service (the checks of create and update always do). */
  private final AtomicLong generation;
  /** The last turn check that succeeded: "userId credentialId", under which generation, when (ms). */
  private String checkedFor;
  private long checkedAt = -1;
  private long checkedAtMs;

  CredentialCheck(AuthService auth) {
    this(auth, null);
  }

  /** A live session's: turns remember a success until a credential change is announced or TURN_CHECK_TTL_MS passes. */
  CredentialCheck(AuthService auth, AtomicLong generation) {
    this.auth = auth;
    this.generation = generation;
  }

  /** Succeeds when credentialId is absent or userId's own; NOT_FOUND otherwise, UNAVAILABLE when auth-service cannot say. */
  Future<Void> owned(String userId, String credentialId) {
    if (credentialId == null || credentialId.isBlank()) return Future.succeededFuture();
    return auth.getCredential(userId, credentialId).<Void>mapEmpty().recover(err -> {
      if (missing(err)) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such credential: " + credentialId);
      return ServiceException.fail(ErrorCodes.UNAVAILABLE, "the credential cannot be checked now (auth-service: "
          + reason(err) + "); try again");
    });
  }

  /** Whether the session may keep credentialId: false when it is not (or no longer) its user's. */
  Future<Boolean> stillOwned(String userId, String credentialId) {
    return owned(userId, credentialId).map(true).recover(err ->
        err instanceof ServiceException se && se.failureCode() == ErrorCodes.NOT_FOUND
            ? Future.succeededFuture(false) : Future.failedFuture(err));
  }

  /** Before a turn: fails with a {@link ProviderFailure} the user can act on (it becomes the turn_error). */
  Future<Void> checkForTurn(JsonObject session) {
    // issue 14: a bus round trip to auth-service and a SELECT per turn. A credential's owner never changes, so
    // a success stays true until the credential is deleted, which auth-service announces (and provider-service
    // drops the secret on the same announcement); a lost announcement is bounded by the TTL
    String key = session.getString("userId") + " " + session.getString("credentialId");
    long g = generation == null ? -1 : generation.get();
    long now = System.currentTimeMillis();
    if (generation != null && key.equals(checkedFor) && checkedAt == g && now - checkedAtMs < TURN_CHECK_TTL_MS) {
      return Future.succeededFuture();
    }
    return owned(session.getString("userId"), session.getString("credentialId")).onSuccess(v -> {
      checkedFor = key;
      checkedAt = g;
      checkedAtMs = now;
    }).recover(err -> {
      if (err instanceof ServiceException se && se.failureCode() == ErrorCodes.NOT_FOUND) {
        return Future.failedFuture(new ProviderFailure(NOT_FOUND_CODE, "the session's credential "
            + session.getString("credentialId") + " does not exist (deleted, or not yours); choose another credential for this session"));
      }
      return Future.failedFuture(new ProviderFailure(ProviderEvents.UPSTREAM_UNAVAILABLE, err.getMessage()));
    });
  }

  /** NOT_FOUND, or BAD_REQUEST for an id that cannot name a credential: both mean there is no such credential. */
  private static boolean missing(Throwable err) {
    return err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && (re.failureCode() == ErrorCodes.NOT_FOUND || re.failureCode() == ErrorCodes.BAD_REQUEST);
  }

  private static String reason(Throwable err) {
    if (err instanceof ReplyException re && re.failureType() != ReplyFailure.RECIPIENT_FAILURE) return re.failureType().name();
    return String.valueOf(err.getMessage());
  }
}
