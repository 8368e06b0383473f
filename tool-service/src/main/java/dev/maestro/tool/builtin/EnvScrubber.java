package dev.maestro.tool.builtin;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds child-process environments without Maestro's own settings or anything that looks like a
 * credential: every MAESTRO_* variable and every name containing KEY, TOKEN, SECRET, PASSWORD, ...
 * Deny-by-pattern (not allow-list) so tools keep PATH, locale, proxies and the like.
 */
public final class EnvScrubber {
  private static final Pattern SECRET_NAME = Pattern.compile(
      ".*(KEY|TOKEN|SECRET|PASSW|PWD|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|CERT|SIGNATURE|DSN|DATABASE_URL|_PAT$).*");

  private EnvScrubber() {}

  public static boolean sensitive(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (upper.startsWith("MAESTRO_")) return true;
    if (upper.equals("PWD") || upper.equals("OLDPWD")) return false; // working directories, not passwords
    return SECRET_NAME.matcher(upper).matches();
  }

  public static Map<String, String> scrub(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((k, v) -> {
      if (!sensitive(k)) out.put(k, v);
    });
    return out;
  }
}
