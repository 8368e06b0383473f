package dev.maestro.tool.builtin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How run_command is isolated. Detected once at start: bubblewrap (no network, read-only view of
 * the system, writable workspace only, private /tmp, data dir and home hidden) when `bwrap` exists
 * and can create namespaces here; otherwise plain rlimits (CPU time, file size, open files, no core
 * dumps) in a new session so the whole tree can be killed. Both run under `setsid`.
 */
public final class Sandbox {
  private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

  public enum Kind { BUBBLEWRAP, RLIMITS }

  private final Kind kind;
  private final String reason;

  public Sandbox(Kind kind, String reason) {
    this.kind = kind;
    this.reason = reason;
  }

  /** Blocking (runs bwrap once): call off the event loop. MAESTRO_TOOL_SANDBOX=rlimits forces the fallback. */
  public static Sandbox detect(String forced) {
    Sandbox s;
    if ("rlimits".equalsIgnoreCase(forced)) {
      s = new Sandbox(Kind.RLIMITS, "forced by MAESTRO_TOOL_SANDBOX=rlimits");
    } else {
      s = probeBwrap();
    }
    LOG.info("run_command isolation: {} ({})", s.kind.name().toLowerCase(), s.reason);
    return s;
  }

  private static Sandbox probeBwrap() {
    try {
      Process p = new ProcessBuilder("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
          "--dev", "/dev", "--proc", "/proc", "true").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Sandbox(Kind.RLIMITS, "bwrap probe hung");
      }
      if (p.exitValue() == 0) return new Sandbox(Kind.BUBBLEWRAP, "bwrap works (no network, read-only root)");
      return new Sandbox(Kind.RLIMITS, "bwrap is installed but failed: " + out);
    } catch (Exception e) {
      return new Sandbox(Kind.RLIMITS, "bwrap not found (install the Debian package 'bubblewrap')");
    }
  }

  public Kind kind() { return kind; }
  public String reason() { return reason; }

  public String describe() {
    return kind.name().toLowerCase();
  }

  /** rlimits applied inside the shell before the user's command (soft limits, best effort). */
  static final String RLIMITS = "ulimit -S -c 0 -t 3600 -f 2097152 -n 4096 2>/dev/null; ";

  /** The argv that runs {@code command} with bash in {@code workspace}. */
  public List<String> wrap(String command, Path workspace, Path dataDir, Path home) {
    List<String> cmd = new ArrayList<>(List.of("setsid"));
    if (kind == Kind.BUBBLEWRAP) {
      cmd.addAll(List.of("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
          "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
      if (home != null && !workspace.startsWith(home)) cmd.addAll(List.of("--tmpfs", home.toString()));
      if (dataDir != null) cmd.addAll(List.of("--tmpfs", dataDir.toString()));
      cmd.addAll(List.of("--bind", workspace.toString(), workspace.toString(), "--chdir", workspace.toString()));
    }
    cmd.addAll(List.of("bash", "-c", RLIMITS + "eval \"$1\"", "run_command", command));
    return cmd;
  }
}
