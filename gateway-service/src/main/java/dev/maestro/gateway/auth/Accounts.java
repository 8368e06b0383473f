package dev.maestro.gateway.auth;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.gateway.GatewaySettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Password logins (web form and {@code POST /auth/token}), rate-limited per username and per
 * address, and the bootstrap of the first {@code admin}.
 */
public class Accounts {
  private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);
  public static final String ADMIN_PASSWORD_FILE = "admin-password";

  private final UserStore users;
  private final PasswordHasher hasher;
  private final RateLimiter limiter;
  private final GatewaySettings settings;
  /** Verified against when the username is unknown, so both paths take the same time. */
  private final Future<String> dummyHash;
  private java.util.function.Consumer<String> signOutListener = key -> {};

  public Accounts(UserStore users, PasswordHasher hasher, RateLimiter limiter, GatewaySettings settings) {
    this.users = users;
    this.hasher = hasher;
    this.limiter = limiter;
    this.settings = settings;
    this.dummyHash = hasher.hash("not a password " + System.nanoTime());
  }

  public Future<JsonObject> login(String username, String password, String remoteAddress) {
    if (username == null || password == null || username.isEmpty() || username.length() > 200 || password.length() > 1024) {
      return ServiceException.fail(ErrorCodes.UNAUTHORIZED, "wrong username or password", new JsonObject());
    }
    String userKey = "login:user:" + username.toLowerCase();
    String addrKey = "login:addr:" + (remoteAddress == null ? "unknown" : remoteAddress);
    return Future.all(limiter.blockedFor(userKey, settings.loginMaxPerUser()), limiter.blockedFor(addrKey, settings.loginMaxPerAddress()))
        .compose(blocked -> {
          long wait = Math.max(blocked.<Long>resultAt(0), blocked.<Long>resultAt(1));
          if (wait > 0) {
            return ServiceException.fail(ErrorCodes.TOO_MANY, "too many failed logins; try again in " + wait + " s",
                new JsonObject().put("retryAfter", wait));
          }
          return users.byUsernameWithHash(username).compose(user -> dummyHash.compose(dummy ->
              hasher.verify(password, user == null ? dummy : user.getString("passwordHash")).compose(ok -> {
                if (ok && user != null) {
                  return limiter.clearFailures(userKey).map(v -> new JsonObject().put("userId", user.getString("id"))
                      .put("username", user.getString("username")).put("role", user.getString("role")));
                }
                return Future.all(limiter.recordFailure(userKey, settings.loginWindowSeconds()),
                        limiter.recordFailure(addrKey, settings.loginWindowSeconds()))
                    .compose(x -> ServiceException.fail(ErrorCodes.UNAUTHORIZED, "wrong username or password", new JsonObject()));
              })));
        });
  }

  /** Who hears about browser sign-outs (the gateway, which revokes their sockets cluster-wide). */
  public void onSignedOut(java.util.function.Consumer<String> listener) {
    this.signOutListener = listener;
  }

  public void signedOut(String sessionKey) {
    signOutListener.accept(sessionKey);
  }

  /**
   * Creates {@code admin} when there are no users. The password is {@code configured} when given,
   * otherwise random: logged once and written to {@code dataDir/admin-password} (mode 0600).
   */
  public Future<Void> bootstrapAdmin(String configured, Path dataDir) {
    return users.count().compose(n -> {
      if (n > 0) return Future.succeededFuture();
      boolean generated = configured == null || configured.isBlank();
      String password = generated ? randomPassword() : configured;
      return hasher.hash(password)
          .compose(hash -> users.createIfAbsent("admin", hash, "admin"))
          .compose(created -> {
            if (created == null || !generated) return Future.succeededFuture();
            Path file = dataDir.resolve(ADMIN_PASSWORD_FILE);
            LOG.warn("Created user 'admin' with the generated password {} (also written to {}, readable only by its owner)",
                password, file);
            return hasher.vertx().executeBlocking(() -> {
              writeOwnerOnly(file, password);
              return null;
            });
          });
    });
  }

  static void writeOwnerOnly(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, content + "\n", StandardOpenOption.TRUNCATE_EXISTING);
  }

  static String randomPassword() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public PasswordHasher hasher() {
    return hasher;
  }
}
