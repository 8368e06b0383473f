package dev.maestro.platform.net;

/**
 * Text a foreign server sent (a provider's or OAuth server's error message) as it may be shown to a
 * member: control and bidi-override characters become spaces, and it is capped. Only ever applied to
 * a known structured field (a JSON error's message); whole foreign bodies are never shown.
 */
public final class ForeignText {
  public static final int MAX = 300;

  private ForeignText() {}

  public static String clean(String text) {
    if (text == null) return "";
    String s = text.replaceAll("[\\p{Cntrl}\\u2028\\u2029\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]+", " ").strip();
    return s.length() > MAX ? s.substring(0, MAX) + "…" : s;
  }
}
