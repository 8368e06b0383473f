package dev.maestro.gateway.auth;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Argon2id (BouncyCastle) in the PHC string format {@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}.
 * Hashing is deliberately slow and takes {@code memoryKb} of heap per run, so it runs on a small
 * pool of its own (one thread per two cores by default, eight waiting per thread) behind a bounded queue: when the pool and the
 * queue are full a caller is refused at once with 503 (retry after 1 s). A flood of logins
 * therefore costs at most {@code threads × memoryKb} of heap and never starves the event loops or
 * the shared worker pool that /health and every other request use.
 */
public class PasswordHasher {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private final Vertx vertx;
  private final int memoryKb;
  private final int iterations;
  private final int parallelism;
  private final WorkerExecutor pool;
  /** Runs admitted (running or waiting); at most {@link #capacity}. */
  private final AtomicInteger admitted = new AtomicInteger();
  private final int capacity;
  private final int threads;
  private final AtomicLong derivations = new AtomicLong();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger peakRunning = new AtomicInteger();

  /** Refuses a stored hash that would make one verification allocate more than this (a corrupt row). */
  static final int MAX_MEMORY_KB = 256 * 1024;

  /** OWASP's minimum recommendation for Argon2id: m=19 MiB, t=2, p=1. */
  public PasswordHasher(Vertx vertx) {
    this(vertx, 19 * 1024, 2, 1);
  }

  public PasswordHasher(Vertx vertx, int memoryKb, int iterations, int parallelism) {
    this(vertx, memoryKb, iterations, parallelism, defaultThreads(), 8 * defaultThreads());
  }

  /** {@code threads} hash at once; up to {@code queue} more wait; beyond that callers get 503. */
  public PasswordHasher(Vertx vertx, int memoryKb, int iterations, int parallelism, int threads, int queue) {
    this.vertx = vertx;
    this.memoryKb = memoryKb;
    this.iterations = iterations;
    this.parallelism = parallelism;
    this.pool = vertx.createSharedWorkerExecutor("maestro-argon2", threads);
    this.capacity = threads + queue;
    this.threads = threads;
  }

  /** Half the cores: Argon2 is pure CPU, and the event loops must keep a core to answer everything else. */
  static int defaultThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Fails with 503 (debugInfo retryAfter) when the hashing queue is full. */
  public Future<String> hash(String password) {
    return bounded(() -> hashNow(password));
  }

  /** False for a malformed stored hash as well as for a wrong password; 503 when the queue is full. */
  public Future<Boolean> verify(String password, String stored) {
    return bounded(() -> verifyNow(password, stored));
  }

  /** How many Argon2 derivations ran (tests count them to prove a limit is checked before the hash). */
  public long derivations() {
    return derivations.get();
  }

  /**
   * Fails with the same 503 as a full queue when the queue is full now: a cheap early refusal, so a
   * flood costs no Redis or database round trip. (The bound itself is enforced when work is admitted.)
   */
  public Future<Void> refuseWhenFull() {
    return admitted.get() >= capacity ? busy() : Future.succeededFuture();
  }

  private static <T> Future<T> busy() {
    return ServiceException.fail(ErrorCodes.UNAVAILABLE, "the server is busy checking other passwords; try again in a moment",
        new JsonObject().put("retryAfter", 1));
  }

  /** The most derivations that ever ran at once (each holds {@code memoryKb} of heap while it runs). */
  public int peakConcurrency() {
    return peakRunning.get();
  }

  /** Threads hashing at once (the pool size). */
  public int threads() {
    return threads;
  }

  private <T> Future<T> bounded(Callable<T> work) {
    if (admitted.incrementAndGet() > capacity) {
      admitted.decrementAndGet();
      return busy();
    }
    return pool.executeBlocking(work, false).andThen(x -> admitted.decrementAndGet());
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
      if (m <= 0 || m > MAX_MEMORY_KB || t <= 0 || t > 100 || p <= 0 || p > 64) return false;
      byte[] salt = B64D.decode(parts[4]);
      byte[] expected = B64D.decode(parts[5]);
      byte[] actual = derive(password, salt, m, t, p, expected.length);
      return MessageDigest.isEqual(expected, actual);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private byte[] derive(String password, byte[] salt, int m, int t, int p, int length) {
    derivations.incrementAndGet();
    peakRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
    try {
      return deriveNow(password, salt, m, t, p, length);
    } finally {
      running.decrementAndGet();
    }
  }

  private static byte[] deriveNow(String password, byte[] salt, int m, int t, int p, int length) {
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
