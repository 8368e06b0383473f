package dev.maestro.gateway.auth;

import com.nulabinc.zxcvbn.Zxcvbn;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a new password must be: at least {@link #MIN_LENGTH} characters, not one of the 30,000 most
 * common passwords (the list zxcvbn4j ships), and not easy to guess by zxcvbn's estimate (score
 * at least {@link #MIN_SCORE}: common words, names, keyboard walks, sequences, repeats, the username).
 * Applied to every password a person chooses (createUser, updateUser); the generated bootstrap
 * admin password satisfies it by construction.
 */
public final class PasswordPolicy {
  public static final int MIN_LENGTH = 12;
  public static final int MAX_LENGTH = 1024;
  /** zxcvbn: 2 = "somewhat guessable, protection from unthrottled online attacks" (≥ 10^6 guesses). */
  static final int MIN_SCORE = 2;
  /** zxcvbn's cost grows with the length; the first characters decide whether a password is guessable. */
  private static final int MEASURED_PREFIX = 100;
  private static final String COMMON_LIST = "/com/nulabinc/zxcvbn/matchers/dictionaries/passwords.txt";

  private static final Set<String> COMMON = load();
  private static final Zxcvbn ZXCVBN = new Zxcvbn();

  private PasswordPolicy() {}

  /** → null when acceptable, else why not (phrased to follow the field name "password"). */
  public static String problem(String username, String password) {
    if (password == null || password.codePointCount(0, password.length()) < MIN_LENGTH) {
      return "must be at least " + MIN_LENGTH + " characters";
    }
    if (password.length() > MAX_LENGTH) return "must be at most " + MAX_LENGTH + " characters";
    if (COMMON.contains(password.toLowerCase(Locale.ROOT))) {
      return "is one of the most common passwords; choose another";
    }
    String measured = password.length() > MEASURED_PREFIX ? password.substring(0, MEASURED_PREFIX) : password;
    List<String> inputs = username == null ? List.of() : List.of(username);
    if (ZXCVBN.measure(measured, inputs).getScore() < MIN_SCORE) {
      return "is too easy to guess (common words, names, keyboard patterns, sequences or the username); use a longer passphrase";
    }
    return null;
  }

  /** Checks off the event loop (zxcvbn takes milliseconds) → fails with 400 naming the rule. */
  public static Future<Void> check(Vertx vertx, String username, String password) {
    return vertx.<String>executeBlocking(() -> problem(username, password), false).compose(why -> why == null
        ? Future.succeededFuture()
        : ServiceException.fail(ErrorCodes.BAD_REQUEST, "the password " + why, new JsonObject().put("errors",
            new JsonArray().add(new JsonObject().put("field", "password").put("message", why)))));
  }

  private static Set<String> load() {
    Set<String> set = new HashSet<>();
    try (InputStream in = PasswordPolicy.class.getResourceAsStream(COMMON_LIST)) {
      if (in == null) throw new IllegalStateException("zxcvbn's password list " + COMMON_LIST + " is missing from the classpath");
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        String w = line.trim();
        if (!w.isEmpty()) set.add(w.toLowerCase(Locale.ROOT));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read zxcvbn's password list", e);
    }
    return set;
  }
}
