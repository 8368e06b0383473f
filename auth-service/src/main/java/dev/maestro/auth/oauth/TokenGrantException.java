package dev.maestro.auth.oauth;

/**
 * A token grant that did not succeed. {@code rejected}: the server answered with an OAuth error
 * (retrying the same request cannot help); otherwise a network error, 5xx or 429 (retry later).
 */
public class TokenGrantException extends RuntimeException {
  private final boolean rejected;
  private final String error;

  public TokenGrantException(boolean rejected, String error, String message) {
    super(message, null, false, false);
    this.rejected = rejected;
    this.error = error;
  }

  public boolean rejected() {
    return rejected;
  }

  /** The OAuth error code (invalid_grant, invalid_client, ...) or null. */
  public String error() {
    return error;
  }
}
