package dev.maestro.tool.registry;

import java.util.Locale;

/** What happens before a tool runs: run it, ask the user first (session-service does that), or refuse. */
public enum Policy {
  ALLOW, ASK, DENY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Null when the text is not one of allow | ask | deny. */
  public static Policy parse(String s) {
    if (s == null) return null;
    for (Policy p : values()) if (p.wire().equals(s.trim().toLowerCase(Locale.ROOT))) return p;
    return null;
  }
}
