package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.ToolError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The confinement of run_command and stdio MCP servers: bubblewrap with a minimal view, or nothing runs.
 * <p>The view is built from nothing (no bind of {@code /}): {@code /usr} and the {@code /bin}, {@code /lib*}
 * links read-only, a short allow-list of {@code /etc} files read-only, fresh {@code /proc}, {@code /dev} and
 * an empty {@code /tmp}, and the paths of one {@link View} (the workspace read-write). So the home of
 * the service user, the data dir (master key, other sessions' workspaces), {@code /run} (PostgreSQL's and
 * every other host socket), {@code /var}, {@code /opt}, {@code /srv}, {@code /mnt} do not exist inside.
 * New PID, IPC, UTS (and cgroup) namespaces, no network unless the view asks for it (only an admin's
 * per-server MCP flag does), {@code --die-with-parent}, {@code --new-session} (no TIOCSTI into our
 * terminal), and hard rlimits through {@code prlimit} (address space, CPU time, processes, file size,
 * open files, no core dumps). Unprivileged, bwrap makes a user namespace (and so drops every capability);
 * when tool-service runs as root, the process switches to an unprivileged uid with {@code setpriv}
 * (no capabilities, no_new_privs), because root ignores the process limit.
 * <p>Detected once at start by running the whole profile: when it fails the sandbox is
 * {@link Kind#UNAVAILABLE} and every command is refused with the reason and the fix. Only
 * {@code MAESTRO_SANDBOX=none} runs commands unconfined (still with the rlimits), loudly.
 */
public final class Sandbox {
  private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

  public enum Kind { BUBBLEWRAP, NONE, UNAVAILABLE }

  /** What of /etc a command sees: name resolution, users, the linker, time zone, TLS roots, shells, Debian alternatives. */
  static final List<String> ETC = List.of("passwd", "group", "hosts", "host.conf", "nsswitch.conf", "resolv.conf",
      "gai.conf", "services", "protocols", "networks", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime",
      "timezone", "alternatives", "ssl", "ca-certificates", "ca-certificates.conf", "pki", "crypto-policies",
      "bash.bashrc", "profile", "profile.d", "inputrc", "shells", "os-release", "debian_version", "lsb-release",
      "mime.types", "magic", "magic.mime", "locale.alias", "locale.conf", "terminfo", "java-17-openjdk",
      "java-21-openjdk", "python3", "perl", "gitconfig");
  static final List<String> TOP_LINKS = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

  /**
   * The paths one sandboxed process sees besides the system: {@code workdir} (read-write, the working
   * directory), other read-write and read-only host paths, and whether it has the host's network.
   */
  public record View(Path workdir, List<Path> writable, List<Path> readOnly, boolean network) {
    public static View workspace(Path workspace) {
      return new View(workspace, List.of(), List.of(), false);
    }
  }

  private final Kind kind;
  private final String reason;
  private final SandboxSettings settings;
  private final boolean root;
  /**
   * Node (the usual MCP runtime) reserves ~10 GiB of address space per WebAssembly memory for its
   * bounds-check trap handler (undici's fetch parser is WebAssembly), which any sane RLIMIT_AS breaks;
   * --disable-wasm-trap-handler (Node ≥ 20.15) does without. Set when this host's node knows it.
   */
  private volatile boolean nodeWasmFlag;
  static final String NODE_FLAG = "--disable-wasm-trap-handler";

  Sandbox(Kind kind, String reason, SandboxSettings settings, boolean root) {
    this.kind = kind;
    this.reason = reason;
    this.settings = settings;
    this.root = root;
  }

  /** Blocking (runs bwrap once): call off the event loop. {@code scratch}: a private directory to probe with. */
  public static Sandbox detect(SandboxSettings settings, Path scratch) {
    boolean root = runsAsRoot();
    Sandbox s;
    if (settings.none()) {
      s = new Sandbox(Kind.NONE, "MAESTRO_SANDBOX=none: commands and stdio MCP servers run WITHOUT isolation", settings, root);
      LOG.warn("SANDBOX DISABLED (MAESTRO_SANDBOX=none): run_command and stdio MCP servers run unconfined as the "
          + "service user; they can read the data dir, the master key and every workspace, and use the network");
      return s;
    }
    s = probe(settings, scratch, root);
    s.nodeWasmFlag = s.kind == Kind.BUBBLEWRAP && nodeKnowsFlag();
    if (s.kind == Kind.BUBBLEWRAP) LOG.info("run_command isolation: bubblewrap ({})", s.reason);
    else LOG.error("run_command isolation UNAVAILABLE, commands and stdio MCP servers are refused: {}", s.reason);
    return s;
  }

  private static Sandbox probe(SandboxSettings settings, Path scratch, boolean root) {
    Sandbox candidate = new Sandbox(Kind.BUBBLEWRAP, "", settings, root);
    try {
      Files.createDirectories(scratch);
      candidate.own(scratch);
      Process p = ProcessLauncher.start(new ProcessBuilder(candidate.wrap(View.workspace(scratch), List.of("true")))
          .redirectErrorStream(true));
      p.getOutputStream().close();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Sandbox(Kind.UNAVAILABLE, "the bubblewrap probe did not finish in 20 s", settings, root);
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.exitValue() != 0) {
        return new Sandbox(Kind.UNAVAILABLE, "'" + settings.bwrap() + "' failed (exit " + p.exitValue() + "): "
            + (out.length() > 300 ? out.substring(0, 300) : out), settings, root);
      }
      return new Sandbox(Kind.BUBBLEWRAP, "bwrap works: minimal read-only view, no network, limits "
          + limitsText(settings) + (root ? ", runs as uid " + settings.rootUid() : ""), settings, root);
    } catch (IOException e) {
      return new Sandbox(Kind.UNAVAILABLE, "cannot start '" + settings.bwrap() + "': " + e.getMessage(), settings, root);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Sandbox(Kind.UNAVAILABLE, "interrupted while probing bubblewrap", settings, root);
    }
  }

  private static String limitsText(SandboxSettings s) {
    return "memory " + s.memoryMb() + " MiB, CPU " + s.cpuSeconds() + " s, " + s.maxProcesses() + " processes, files "
        + s.fileSizeMb() + " MiB";
  }

  private static boolean nodeKnowsFlag() {
    try {
      Process p = new ProcessBuilder("node", NODE_FLAG, "-e", "0").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;   // no node here
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Adjusts a sandboxed process's environment to the limits (see {@link #nodeWasmFlag}). */
  public void environment(java.util.Map<String, String> env) {
    if (!nodeWasmFlag) return;
    String current = env.getOrDefault("NODE_OPTIONS", "");
    if (!current.contains(NODE_FLAG)) env.put("NODE_OPTIONS", (current + " " + NODE_FLAG).trim());
  }

  static boolean runsAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  public Kind kind() { return kind; }
  public String reason() { return reason; }

  /** bubblewrap | none | unavailable: what clients show. */
  public String describe() {
    return kind.name().toLowerCase();
  }

  /** The error a refused command or server gets: what is wrong and the three ways out. */
  public String refusal() {
    return "refused: the bubblewrap sandbox cannot run on this host (" + reason + "). Fix: install bubblewrap "
        + "(Debian/Ubuntu: apt-get install bubblewrap) and allow unprivileged user namespaces "
        + "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0; in Docker run with a seccomp/"
        + "AppArmor profile that permits them), then restart tool-service; or set MAESTRO_SANDBOX=none to run "
        + "commands WITHOUT isolation";
  }

  /**
   * The uid the sandboxed process runs as when it differs from ours (root → {@code MAESTRO_SANDBOX_UID}),
   * else -1. What it must write (workspaces, MCP homes) is handed to this uid.
   */
  public int foreignUid() {
    return kind == Kind.BUBBLEWRAP && root ? settings.rootUid() : -1;
  }

  /** Gives {@code dir} (not following a symlink) to the sandbox's uid when it runs as another user. */
  public void own(Path dir) throws IOException {
    int uid = root && !settings.none() ? settings.rootUid() : -1;
    if (uid < 0) return;
    if (((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue() != uid) {
      Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(dir, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** The argv that runs {@code argv} confined to {@code view}; refuses (ToolError) when the sandbox is unavailable. */
  public List<String> wrap(View view, List<String> argv) {
    if (kind == Kind.UNAVAILABLE) throw new ToolError(refusal());
    List<String> cmd = new ArrayList<>();
    if (kind == Kind.BUBBLEWRAP) {
      cmd.addAll(List.of(settings.bwrap(), "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc",
          "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"));
      if (!view.network()) cmd.add("--unshare-net");
      if (!root) cmd.add("--unshare-user");
      cmd.addAll(List.of("--ro-bind", "/usr", "/usr"));
      for (String top : TOP_LINKS) {
        Path p = Path.of("/", top);
        if (Files.isSymbolicLink(p)) {
          try {
            cmd.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), p.toString()));
          } catch (IOException ignored) {
            // unreadable link: leave it out
          }
        } else if (Files.isDirectory(p)) {
          cmd.addAll(List.of("--ro-bind", p.toString(), p.toString()));
        }
      }
      cmd.addAll(List.of("--dir", "/etc"));
      for (String e : ETC) cmd.addAll(List.of("--ro-bind-try", "/etc/" + e, "/etc/" + e));
      cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
          "--perms", "1777", "--dir", "/var/tmp"));
      java.util.Set<Path> made = new java.util.HashSet<>();
      for (Path p : view.readOnly()) cmd.addAll(parents(p, made, List.of("--ro-bind", p.toString(), p.toString())));
      for (Path p : view.writable()) cmd.addAll(parents(p, made, List.of("--bind", p.toString(), p.toString())));
      cmd.addAll(parents(view.workdir(), made, List.of()));
      String wd = view.workdir().toString();
      cmd.addAll(List.of("--bind", wd, wd, "--chdir", wd, "--setenv", "TMPDIR", "/tmp", "--"));
    }
    cmd.addAll(limits());
    if (kind == Kind.BUBBLEWRAP && root) {
      String id = String.valueOf(settings.rootUid());
      cmd.addAll(List.of("setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups", "--no-new-privs",
          "--bounding-set=-all", "--inh-caps=-all", "--"));
    }
    cmd.addAll(argv);
    return cmd;
  }

  /**
   * Plain 0755 directories for the ancestors of a bind target that are not system directories: bwrap
   * would copy the host's modes (often 0700, which the sandbox's uid could not traverse).
   */
  private static List<String> parents(Path target, java.util.Set<Path> made, List<String> then) {
    List<String> out = new ArrayList<>();
    List<Path> ancestors = new ArrayList<>();
    for (Path p = target.getParent(); p != null && p.getNameCount() > 0; p = p.getParent()) ancestors.add(0, p);
    for (Path p : ancestors) {
      String top = p.getName(0).toString();
      if (List.of("usr", "etc", "proc", "dev", "bin", "sbin").contains(top) || top.startsWith("lib")) break;
      if (p.equals(Path.of("/tmp")) || p.equals(Path.of("/var/tmp")) || !made.add(p)) continue;
      out.addAll(List.of("--perms", "0755", "--dir", p.toString()));
    }
    out.addAll(then);
    return out;
  }

  /** prlimit with soft = hard for each limit, never above what this process may grant (its own hard limits). */
  private List<String> limits() {
    HardLimits hard = HardLimits.ofThisProcess();
    long mib = 1024L * 1024L;
    return List.of("prlimit",
        "--as=" + hard.cap("Max address space", settings.memoryMb() * mib),
        "--cpu=" + hard.cap("Max cpu time", settings.cpuSeconds()),
        "--nproc=" + hard.cap("Max processes", settings.maxProcesses()),
        "--fsize=" + hard.cap("Max file size", settings.fileSizeMb() * mib),
        "--nofile=" + hard.cap("Max open files", settings.openFiles()),
        "--core=0", "--");
  }

  /** This process's hard limits from /proc/self/limits (an unprivileged process cannot raise them). */
  record HardLimits(List<String> lines) {
    static HardLimits ofThisProcess() {
      try {
        return new HardLimits(Files.readAllLines(Path.of("/proc/self/limits")));
      } catch (IOException e) {
        return new HardLimits(List.of());
      }
    }

    String cap(String name, long wanted) {
      for (String line : lines) {
        if (!line.startsWith(name)) continue;
        String[] f = line.substring(name.length()).trim().split("\\s+");
        if (f.length >= 2 && !f[1].equals("unlimited")) {
          try {
            return String.valueOf(Math.min(wanted, Long.parseLong(f[1])));
          } catch (NumberFormatException ignored) {
            // unexpected format: keep the wanted value
          }
        }
      }
      return String.valueOf(wanted);
    }
  }
}
