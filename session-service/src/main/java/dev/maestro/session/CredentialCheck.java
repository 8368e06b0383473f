package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderEvents;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/**
 * A session's credentialId must be one of its user's credentials: provider-service resolves a
 * credential by id alone, so a foreign id would send the turn upstream with somebody else's key.
 * Checked when a session is created or changed (answered like a missing credential) and again
 * before each turn (the credential may have been deleted since).
 */
final class CredentialCheck {
  static final String NOT_FOUND_CODE = "credential_not_found";

  private final AuthService auth;

  CredentialCheck(AuthService auth) {
    this.auth = auth;
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
    return owned(session.getString("userId"), session.getString("credentialId")).recover(err -> {
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
