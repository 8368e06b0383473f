package dev.maestro.auth;

/** How a secret is shown: a recognisable prefix and the last four characters, e.g. {@code sk-…abcd}. */
public final class Masking {
  private Masking() {}

  public static String mask(String secret) {
    if (secret == null || secret.isEmpty()) return "";
    String s = secret.trim();
    if (s.length() < 12) return "…" ;   // too short to reveal any part of it
    String tail = s.substring(s.length() - 4);
    int dash = s.indexOf('-');
    // Show a vendor prefix like "sk-" or "sk-ant-" only when it is short and clearly a prefix.
    String prefix = "";
    if (dash > 0 && dash <= 3) {
      int second = s.indexOf('-', dash + 1);
      prefix = second > 0 && second <= 7 ? s.substring(0, second + 1) : s.substring(0, dash + 1);
    }
    return prefix + "…" + tail;
  }
}
