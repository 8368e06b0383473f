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
import java.util.List;
import java.util.Locale;

/**
 * Password logins (web form and {@code POST /auth/token}), rate-limited per username+address and per
 * address; creating users and changing passwords (with the password policy and revocation); and the
 * bootstrap of the first {@code admin}.
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

  /**
   * Checks a password. The attempt is counted in Redis before anything else (one atomic script for
   * every key), so N parallel guesses cannot all slip past a limit of M: at most M reach Argon2.
   * Keys, chosen so an anonymous attacker cannot lock the real user out:
   * <ul>
   *   <li>{@code ua:<address>|<username>}: {@code loginMaxPerUser} attempts per username <em>from one
   *       client address</em>; the owner signing in from another address is not affected;</li>
   *   <li>{@code addr:<address>}: {@code loginMaxPerAddress} attempts per address over all usernames.</li>
   * </ul>
   * There is deliberately no lock on a username alone (anyone could trigger it). A success clears
   * its username+address counter and gives back its address attempt; an attempt refused because the
   * hashing queue is full is given back too (it was no guess). Redis unreachable → 503, never "allow".
   * When the hashing queue is already full the attempt is refused (503) before any of this.
   */
  public Future<JsonObject> login(String username, String password, String remoteAddress) {
    return checkLogin(username, password, remoteAddress).andThen(ar -> SignInAudit.record(audit, username, remoteAddress, ar));
  }

  private dev.maestro.platform.AuditTrail audit;

  /** Records every sign-in (success and failure) from now on. */
  public void auditTo(dev.maestro.platform.AuditTrail trail) {
    this.audit = trail;
  }

  private Future<JsonObject> checkLogin(String username, String password, String remoteAddress) {
    if (username == null || password == null || username.isEmpty() || username.length() > 200 || password.length() > 1024) {
      return ServiceException.fail(ErrorCodes.UNAUTHORIZED, "wrong username or password", new JsonObject());
    }
    String address = remoteAddress == null ? "unknown" : remoteAddress;
    String userKey = "ua:" + address + "|" + username.toLowerCase(Locale.ROOT);
    String addrKey = "addr:" + address;
    return hasher.refuseWhenFull().compose(free -> limiter.reserveLogin(List.of(userKey, addrKey), List.of(settings.loginMaxPerUser(), settings.loginMaxPerAddress()),
            settings.loginWindowSeconds())
        .compose(wait -> {
          if (wait > 0) {
            return ServiceException.fail(ErrorCodes.TOO_MANY, "too many failed logins; try again in " + wait + " s",
                new JsonObject().put("retryAfter", wait));
          }
          return users.byUsernameWithHash(username).compose(user -> dummyHash.compose(dummy ->
                  hasher.verify(password, user == null ? dummy : user.getString("passwordHash"))
                      .map(ok -> ok && user != null ? user : null)))
              .transform(ar -> ar.succeeded() ? Future.succeededFuture(ar.result())
                  // not a wrong guess (queue full, database down): give the attempt back, pass the failure on
                  : limiter.releaseLogin(List.of(), List.of(userKey, addrKey)).compose(v -> Future.<JsonObject>failedFuture(ar.cause())))
              .compose(user -> {
                if (user != null) {
                  return limiter.releaseLogin(List.of(userKey), List.of(addrKey)).map(v -> new JsonObject()
                      .put("userId", user.getString("id")).put("username", user.getString("username"))
                      .put("role", user.getString("role")).put(SessionGuard.EPOCH, user.getInteger("sessionEpoch", 0)));
                }
                return ServiceException.fail(ErrorCodes.UNAUTHORIZED, "wrong username or password", new JsonObject());
              });
        }));
  }

  /** Creates a user after checking the password policy (400 naming the rule) → the user; 409 on a taken name. */
  public Future<JsonObject> createUser(String username, String password, String role) {
    return PasswordPolicy.check(hasher.vertx(), username, password)
        .compose(v -> hasher.hash(password))
        .compose(h -> users.create(username, h, role));
  }

  /**
   * Changes any of username, password, role. A new password (an admin's reset or the user's own
   * change) ends everything the old one opened: the user's API tokens are revoked and their browser
   * sessions invalidated in the same statement, and their open WebSockets closed at once.
   */
  public Future<JsonObject> updateUser(String id, String username, String password, String role) {
    Future<String> hash = password == null ? Future.succeededFuture()
        : PasswordPolicy.check(hasher.vertx(), username, password).compose(v -> hasher.hash(password));
    return hash.compose(h -> users.update(id, username, h, role)
        .onSuccess(u -> {
          if (h != null) revokedListener.accept(u.getString("id"));
        }));
  }

  private java.util.function.Consumer<String> revokedListener = userId -> {};

  /** Who hears that a user's credentials were revoked (the gateway, which closes their sockets cluster-wide). */
  public void onUserRevoked(java.util.function.Consumer<String> listener) {
    this.revokedListener = listener;
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
      if (!generated) {
        // an operator's choice is kept (it is how they sign in the first time), but a weak one is said loudly
        PasswordPolicy.check(hasher.vertx(), "admin", configured).onFailure(err -> LOG.warn(
            "The configured {}: {}; it is used for the first admin anyway, change it after signing in",
            dev.maestro.platform.MaestroConfig.ADMIN_PASSWORD, err.getMessage()));
      }
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

  public static String randomPassword() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public PasswordHasher hasher() {
    return hasher;
  }
}
