package dev.maestro.session;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.provider.ProviderEvents;
import io.vertx.core.eventbus.ReplyException;

/** Failure of a provider stream or of the provider call itself, with a stable code for turn_error. */
final class ProviderFailure extends RuntimeException {
  final String code;

  ProviderFailure(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  static ProviderFailure of(Throwable err) {
    if (err instanceof ProviderFailure p) return p;
    if (err instanceof ReplyException re) {
      String code = switch (re.failureType()) {
        case NO_HANDLERS -> ProviderEvents.UPSTREAM_UNAVAILABLE;
        case TIMEOUT -> ProviderEvents.TIMEOUT;
        default -> re.failureCode() == ErrorCodes.BAD_REQUEST ? ProviderEvents.BAD_REQUEST
            : re.failureCode() == ErrorCodes.UNAUTHORIZED || re.failureCode() == ErrorCodes.FORBIDDEN ? ProviderEvents.AUTH_FAILED
            : re.failureCode() == ErrorCodes.TOO_MANY ? ProviderEvents.RATE_LIMITED
            : "provider_error";
      };
      return new ProviderFailure(code, re.getMessage() == null ? re.failureType().name() : re.getMessage());
    }
    return new ProviderFailure("internal", String.valueOf(err.getMessage()));
  }
}
