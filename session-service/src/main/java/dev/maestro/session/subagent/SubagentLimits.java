package dev.maestro.session.subagent;

import dev.maestro.platform.Settings;

/**
 * How far sub-agents go. maxDepth: how deep children may nest (a session the user made is depth 0,
 * its children 1, theirs 2; a session at maxDepth gets a tool error from {@code task}). maxConcurrent:
 * children one session may have running at once (more calls in one response get a tool error).
 */
public record SubagentLimits(int maxDepth, int maxConcurrent) {
  public static final String MAX_DEPTH = "MAESTRO_SUBAGENT_MAX_DEPTH";
  public static final String MAX_CONCURRENT = "MAESTRO_SUBAGENT_MAX_CONCURRENT";

  public static SubagentLimits from(Settings s) {
    return new SubagentLimits(s.integer(MAX_DEPTH, 2, 0, 16), s.integer(MAX_CONCURRENT, 4, 1, 64));
  }
}
