package dev.maestro.platform;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The one way a service reads its own knobs. A value comes from the verticle config (keys are the
 * environment variable names), else a same-named system property, else the environment; a missing or
 * blank value means the default. A value that cannot be used fails start-up with a
 * {@link StartupException} whose one line names the variable, the form expected and what was given,
 * e.g. {@code MAESTRO_X must be a whole number from 1 to 100, got 'abc'}.
 */
public final class Settings {
  private final JsonObject config;

  private Settings(JsonObject config) {
    this.config = config;
  }

  public static Settings of(JsonObject config) {
    return new Settings(config == null ? new JsonObject() : config);
  }

  /** The raw value, or null when missing or blank. */
  public String raw(String name) {
    Object v = config.getValue(name);
    String s = v != null ? String.valueOf(v) : System.getProperty(name, System.getenv(name));
    return s == null || s.isBlank() ? null : s;
  }

  public String string(String name, String def) {
    String v = raw(name);
    return v == null ? def : v;
  }

  public int integer(String name, int def, int min, int max) {
    return (int) whole(name, def, min, max);
  }

  public long whole(String name, long def, long min, long max) {
    String v = raw(name);
    if (v == null) return def;
    try {
      long n = Long.parseLong(v.trim());
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException e) {
      // falls through to the message
    }
    throw bad(name, "a whole number" + range(min, max), v);
  }

  public double decimal(String name, double def, double min, double max) {
    String v = raw(name);
    if (v == null) return def;
    try {
      double d = Double.parseDouble(v.trim());
      if (d >= min && d <= max) return d;
    } catch (NumberFormatException e) {
      // falls through to the message
    }
    throw bad(name, "a number" + range(min, max), v);
  }

  /**
   * A duration given as a (possibly fractional) number in the unit the variable's name says
   * ({@code _MS}, {@code _SECONDS}); at least {@code min}.
   */
  public Duration duration(String name, Duration def, TimeUnit unit, Duration min) {
    String v = raw(name);
    if (v == null) return def;
    String form = "a number of " + unit.name().toLowerCase(Locale.ROOT) + " of at least " + describe(min, unit);
    try {
      double n = Double.parseDouble(v.trim());
      long nanos = (long) (n * unit.toNanos(1));
      if (Double.isFinite(n) && nanos >= min.toNanos() && nanos < Long.MAX_VALUE) return Duration.ofNanos(nanos);
    } catch (NumberFormatException e) {
      // falls through to the message
    }
    throw bad(name, form, v);
  }

  /** A size in bytes: a whole number, optionally with a k, m or g suffix (powers of 1024). */
  public long bytes(String name, long def, long min, long max) {
    String v = raw(name);
    if (v == null) return def;
    String t = v.trim().toLowerCase(Locale.ROOT);
    int shift = t.endsWith("k") ? 10 : t.endsWith("m") ? 20 : t.endsWith("g") ? 30 : 0;
    if (shift > 0) t = t.substring(0, t.length() - 1).trim();
    try {
      long n = Long.parseLong(t);
      if (n <= (Long.MAX_VALUE >> shift) && (n << shift) >= min && (n << shift) <= max) return n << shift;
    } catch (NumberFormatException e) {
      // falls through to the message
    }
    throw bad(name, "a number of bytes (k, m or g allowed)" + range(min, max), v);
  }

  public boolean bool(String name, boolean def) {
    String v = raw(name);
    if (v == null) return def;
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw bad(name, "true or false", v);
    };
  }

  /** One of a fixed set of words (case-insensitive, answered in lower case); the first is the default. */
  public String oneOf(String name, String... allowed) {
    String v = raw(name);
    if (v == null) return allowed[0];
    String t = v.trim().toLowerCase(Locale.ROOT);
    for (String a : allowed) if (a.equals(t)) return a;
    StringBuilder form = new StringBuilder();
    for (int i = 0; i < allowed.length; i++) {
      if (i > 0) form.append(i == allowed.length - 1 ? " or " : ", ");
      form.append('\'').append(allowed[i]).append('\'');
      if (i == 0) form.append(" (the default)");
    }
    throw bad(name, form.toString(), t);
  }

  /** An enum constant by name (case-insensitive). */
  public <E extends Enum<E>> E choice(String name, Class<E> type, E def) {
    String v = raw(name);
    if (v == null) return def;
    for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(v.trim())) return e;
    StringBuilder form = new StringBuilder("one of");
    for (E e : type.getEnumConstants()) form.append(' ').append(e.name().toLowerCase(Locale.ROOT));
    throw bad(name, form.toString(), v);
  }

  /** The start-up failure for a value of {@code name} that is not of the expected form. */
  public static StartupException bad(String name, String form, String got) {
    return new StartupException(name + " must be " + form + ", got '" + got + "'");
  }

  private static String range(long min, long max) {
    if (min == Long.MIN_VALUE || min == Integer.MIN_VALUE) return max == Long.MAX_VALUE || max == Integer.MAX_VALUE ? "" : " of at most " + max;
    if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) return min == 0 ? " (0 or more)" : " of at least " + min;
    return " from " + min + " to " + max;
  }

  private static String range(double min, double max) {
    boolean noMin = min == -Double.MAX_VALUE || min == Double.NEGATIVE_INFINITY;
    boolean noMax = max == Double.MAX_VALUE || max == Double.POSITIVE_INFINITY;
    if (noMin) return noMax ? "" : " of at most " + max;
    if (noMax) return " of at least " + fmt(min);
    return " from " + fmt(min) + " to " + fmt(max);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static String describe(Duration d, TimeUnit unit) {
    double n = (double) d.toNanos() / unit.toNanos(1);
    return fmt(n);
  }
}
