package dev.maestro.auth.oauth;

import dev.maestro.platform.net.ForeignText;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that decides what a failed token grant means. vertx-auth-oauth2 5.0.7 fails an OAuth
 * error answer (RFC 6749 §5.2) with a plain message {@code "<error>: <description>"} (or just the code),
 * a non-JSON error answer with {@code "<HTTP reason>: <body>"}, and a network problem with the
 * transport's exception. A refusal (the same request cannot succeed later: invalid_grant,
 * invalid_client, …) means the user must sign in again; anything else (server_error,
 * temporarily_unavailable, 5xx, 429, connection refused, timeout) is retried with backoff.
 */
public final class GrantFailures {
  /** RFC 6749 §5.2 and RFC 8707 §2 error codes: the server refused this request for good. */
  static final Set<String> REFUSALS = Set.of("invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
      "unsupported_grant_type", "invalid_scope", "invalid_target");
  private static final Pattern ERROR_CODE = Pattern.compile("^([a-z_]+)(?::\\s|$)");

  private GrantFailures() {}

  public static TokenGrantException classify(OAuthClientConfig cfg, Throwable err) {
    if (err instanceof TokenGrantException tge) return tge;
    String message = String.valueOf(err.getMessage());
    Matcher m = ERROR_CODE.matcher(message);
    String code = m.find() ? m.group(1) : null;
    boolean refused = code != null && REFUSALS.contains(code)
        // a 400/401 without an OAuth error body: repeating it will not help either
        || message.startsWith("Bad Request") || message.startsWith("Unauthorized");
    String where = "token endpoint of " + cfg.name();
    boolean network = err instanceof java.io.IOException || err.getCause() instanceof java.io.IOException;
    // an OAuth error answer's code and description are shown cleaned and capped; a body of any other
    // shape ("<HTTP reason>: <body>") only by its reason: the endpoint may be anyone's server
    if (code != null) return new TokenGrantException(refused, code, where + " answered " + ForeignText.clean(message));
    if (!network && message.contains(": ")) message = message.substring(0, message.indexOf(": "));
    if (refused) return new TokenGrantException(true, null, where + " answered " + message);
    return new TokenGrantException(false, null, where + " (" + cfg.tokenUrl() + ") " + (network ? "unreachable: " : "failed: ")
        + (err.getMessage() == null ? err.getClass().getSimpleName() : message));
  }
}
