package dev.maestro.auth.crypto;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A 256-bit AES master key and its id. The id is derived from the key (a SHA-256 prefix), so it can
 * be stored beside every ciphertext without revealing anything useful and without a registry.
 */
public final class MasterKey {
  public static final int BYTES = 32;
  public static final int ID_BYTES = 8;

  private final byte[] id;
  private final SecretKey key;

  private MasterKey(byte[] raw) {
    if (raw.length != BYTES) throw new IllegalArgumentException("a master key has 32 bytes, got " + raw.length);
    this.key = new SecretKeySpec(raw.clone(), "AES");
    this.id = deriveId(raw);
  }

  public static MasterKey of(byte[] raw) {
    return new MasterKey(raw);
  }

  public static MasterKey generate() {
    byte[] raw = new byte[BYTES];
    new SecureRandom().nextBytes(raw);
    return new MasterKey(raw);
  }

  /**
   * Accepts 64 hex characters or the base64 of 32 bytes. The message never repeats the input (it
   * is a secret, even when malformed).
   */
  public static MasterKey parse(String text, String source) {
    String t = text == null ? "" : text.trim();
    if (t.matches("[0-9a-fA-F]{64}")) return new MasterKey(HexFormat.of().parseHex(t));
    try {
      byte[] raw = Base64.getDecoder().decode(t);
      if (raw.length == BYTES) return new MasterKey(raw);
    } catch (IllegalArgumentException ignored) {
      // fall through to the explanation below
    }
    throw new IllegalArgumentException(source + " must be 64 hex characters or the base64 of 32 bytes ("
        + t.length() + " characters given)");
  }

  public String toHex() {
    return HexFormat.of().formatHex(key.getEncoded());
  }

  public byte[] id() {
    return id.clone();
  }

  public String idHex() {
    return HexFormat.of().formatHex(id);
  }

  SecretKey secretKey() {
    return key;
  }

  boolean hasId(byte[] other) {
    return Arrays.equals(id, other);
  }

  private static byte[] deriveId(byte[] raw) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("maestro-master-key-id:".getBytes(StandardCharsets.UTF_8));
      return Arrays.copyOf(sha.digest(raw), ID_BYTES);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "MasterKey[" + idHex() + "]";   // never the key itself
  }
}
