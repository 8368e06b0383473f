package dev.maestro.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Argon2id (BouncyCastle) in the PHC string format {@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}.
 * Hashing is deliberately slow, so it always runs on a worker thread, never on an event loop.
 */
public class PasswordHasher {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private final Vertx vertx;
  private final int memoryKb;
  private final int iterations;
  private final int parallelism;

  /** OWASP's minimum recommendation for Argon2id: m=19 MiB, t=2, p=1. */
  public PasswordHasher(Vertx vertx) {
    this(vertx, 19 * 1024, 2, 1);
  }

  public PasswordHasher(Vertx vertx, int memoryKb, int iterations, int parallelism) {
    this.vertx = vertx;
    this.memoryKb = memoryKb;
    this.iterations = iterations;
    this.parallelism = parallelism;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Future<String> hash(String password) {
    return vertx.executeBlocking(() -> hashNow(password), false);
  }

  /** False for a malformed stored hash as well as for a wrong password. */
  public Future<Boolean> verify(String password, String stored) {
    return vertx.executeBlocking(() -> verifyNow(password, stored), false);
  }

  String hashNow(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] out = derive(password, salt, memoryKb, iterations, parallelism, 32);
    return "$argon2id$v=19$m=" + memoryKb + ",t=" + iterations + ",p=" + parallelism + "$"
        + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
  }

  boolean verifyNow(String password, String stored) {
    try {
      String[] parts = stored.split("\\$");
      if (parts.length != 6 || !"argon2id".equals(parts[1]) || !"v=19".equals(parts[2])) return false;
      int m = 0, t = 0, p = 0;
      for (String kv : parts[3].split(",")) {
        String[] pair = kv.split("=");
        int value = Integer.parseInt(pair[1]);
        switch (pair[0]) {
          case "m" -> m = value;
          case "t" -> t = value;
          case "p" -> p = value;
          default -> { return false; }
        }
      }
      byte[] salt = B64D.decode(parts[4]);
      byte[] expected = B64D.decode(parts[5]);
      byte[] actual = derive(password, salt, m, t, p, expected.length);
      return MessageDigest.isEqual(expected, actual);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static byte[] derive(String password, byte[] salt, int m, int t, int p, int length) {
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withSalt(salt).withMemoryAsKB(m).withIterations(t).withParallelism(p).build();
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(params);
    byte[] out = new byte[length];
    gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }
}
