package dev.maestro.auth.crypto;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * AES-256-GCM with a fresh 96-bit nonce per value. Layout: version (1) | key id (8) | nonce (12) |
 * ciphertext+tag. The caller's {@code context} (table/column/row) is authenticated, so a
 * ciphertext moved to another row or column is rejected like a tampered one.
 */
public final class SecretBox {
  private static final byte VERSION = 1;
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final int HEADER = 1 + MasterKey.ID_BYTES + NONCE;

  private final KeyRing keys;
  private final SecureRandom random = new SecureRandom();

  public SecretBox(KeyRing keys) {
    this.keys = keys;
  }

  public KeyRing keys() {
    return keys;
  }

  public byte[] encrypt(String plaintext, String context) {
    return encryptWith(keys.current(), plaintext, context);
  }

  public byte[] encryptWith(MasterKey key, String plaintext, String context) {
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key.secretKey(), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(context));
      byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.allocate(HEADER + ct.length).put(VERSION).put(key.id()).put(nonce).put(ct).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable: " + e.getMessage(), e);
    }
  }

  /** @param what names the value in error messages, e.g. "the API key of credential 1234". */
  public String decrypt(byte[] blob, String context, String what) {
    if (blob == null || blob.length < HEADER + TAG_BITS / 8 || blob[0] != VERSION) {
      throw new SecretUnreadableException(what + " is not a valid encrypted value (damaged in the database?)");
    }
    byte[] id = new byte[MasterKey.ID_BYTES];
    System.arraycopy(blob, 1, id, 0, id.length);
    MasterKey key = keys.find(id);
    if (key == null) {
      throw new SecretUnreadableException(what + " was encrypted with master key " + HexFormat.of().formatHex(id)
          + ", which is not loaded (current key is " + keys.current().idHex()
          + "); was MAESTRO_MASTER_KEY or the key file replaced without running rotate-key?");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key.secretKey(), new GCMParameterSpec(TAG_BITS, blob, 1 + MasterKey.ID_BYTES, NONCE));
      c.updateAAD(aad(context));
      byte[] pt = c.doFinal(blob, HEADER, blob.length - HEADER);
      return new String(pt, StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new SecretUnreadableException(what + " failed its integrity check: the stored ciphertext was altered"
          + " or moved from another row; it cannot be used, enter the secret again");
    } catch (GeneralSecurityException e) {
      // the cipher's own failure stays in the log; callers get a plain sentence
      org.slf4j.LoggerFactory.getLogger(SecretBox.class).warn("{} cannot be decrypted", what, e);
      throw new SecretUnreadableException(what + " cannot be decrypted (the cipher refused it); enter the secret again");
    }
  }

  /** The key id stored in a ciphertext, as hex. */
  public static String keyIdOf(byte[] blob) {
    return blob == null || blob.length < 1 + MasterKey.ID_BYTES ? null
        : HexFormat.of().formatHex(blob, 1, 1 + MasterKey.ID_BYTES);
  }

  private static byte[] aad(String context) {
    return ("maestro-auth:" + context).getBytes(StandardCharsets.UTF_8);
  }
}
