package dev.maestro.auth.crypto;

/** A stored ciphertext cannot be turned back into its secret; the message says why, never what. */
public class SecretUnreadableException extends RuntimeException {
  public SecretUnreadableException(String message) {
    super(message, null, false, false);
  }
}
