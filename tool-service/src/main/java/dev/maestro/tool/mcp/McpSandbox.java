package dev.maestro.tool.mcp;

import dev.maestro.tool.builtin.Sandbox;
import dev.maestro.tool.exec.ToolError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a stdio MCP server is launched: under the same bubblewrap profile as run_command, with a private
 * writable home per server ({@code <data dir>/mcp-home/<server id>}, for npx's cache and the like; never
 * the service user's home), the host paths the admin listed in {@code mounts} ({@code "/path"} read-only,
 * {@code "/path:rw"} read-write) and the host's network only when the admin set {@code network: true}.
 */
public final class McpSandbox {
  /** Paths a mount may not be, contain or lie in: they hold host sockets, devices and kernel state. */
  private static final List<Path> FORBIDDEN = List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"), Path.of("/run"),
      Path.of("/var/run"), Path.of("/boot"));

  private final Sandbox sandbox;
  private final Path dataDir;
  private final Path home;

  public McpSandbox(Sandbox sandbox, Path dataDir) {
    this.sandbox = sandbox;
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.home = Path.of(System.getProperty("user.home")).toAbsolutePath().normalize();
  }

  public Sandbox sandbox() {
    return sandbox;
  }

  /** Maestro's data dir (session workspaces live under it). */
  Path dataDir() {
    return dataDir;
  }

  /** One mount as configured: an absolute host path, read-only unless it ends in ":rw". */
  record Mount(Path path, boolean writable) {
    static Mount parse(String spec) {
      boolean rw = spec.endsWith(":rw");
      String p = rw ? spec.substring(0, spec.length() - 3) : spec.endsWith(":ro") ? spec.substring(0, spec.length() - 3) : spec;
      if (p.indexOf(':') >= 0 || p.indexOf('\0') >= 0) throw new IllegalArgumentException("must be '/absolute/path' or '/absolute/path:rw'");
      Path path;
      try {
        path = Path.of(p);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException("is not a path");
      }
      if (!path.isAbsolute()) throw new IllegalArgumentException("must be an absolute path");
      return new Mount(path.normalize(), rw);
    }
  }

  /** Field error for {@code mounts}, or null when every entry is acceptable. */
  String checkMounts(Object value) {
    if (!(value instanceof JsonArray a) || a.size() > 32 || !a.stream().allMatch(x -> x instanceof String)) {
      return "must be an array (at most 32) of '/absolute/path' or '/absolute/path:rw'";
    }
    for (Object o : a) {
      Mount m;
      try {
        m = Mount.parse((String) o);
      } catch (IllegalArgumentException e) {
        return "'" + o + "' " + e.getMessage();
      }
      if (m.path().getNameCount() == 0) return "'" + o + "': the whole file system cannot be mounted";
      if (dataDir.startsWith(m.path()) || m.path().startsWith(dataDir)) {
        return "'" + o + "' overlaps Maestro's data dir (master key, workspaces), which a server never sees";
      }
      if (home.startsWith(m.path())) return "'" + o + "' would show the service user's whole home directory";
      for (Path f : FORBIDDEN) {
        if (m.path().startsWith(f) || f.startsWith(m.path())) return "'" + o + "' would show " + f + " (host sockets, devices)";
      }
    }
    return null;
  }

  /**
   * The argv that starts the server confined; refuses (ToolError) when the sandbox cannot run or the
   * command is not visible inside it. Creates the server's private home.
   */
  Launch launch(JsonObject server) {
    String command = server.getString("command");
    List<String> argv = new ArrayList<>();
    argv.add(command);
    for (Object a : server.getJsonArray("args", new JsonArray())) argv.add(String.valueOf(a));
    if (sandbox.kind() == Sandbox.Kind.UNAVAILABLE) throw new ToolError("stdio MCP server " + sandbox.refusal());
    Path home = home(server.getString("id"));
    if (sandbox.kind() == Sandbox.Kind.NONE) {
      if (resolveCommand(command) == null) throw new ToolError("command not found or not executable: " + command);
      return new Launch(sandbox.wrap(null, argv), home);
    }
    List<Path> readOnly = new ArrayList<>();
    List<Path> writable = new ArrayList<>();
    for (Object o : server.getJsonArray("mounts", new JsonArray())) {
      Mount m = Mount.parse(String.valueOf(o));
      if (!Files.exists(m.path())) throw new ToolError("mount " + m.path() + " does not exist on this host");
      (m.writable() ? writable : readOnly).add(m.path());
    }
    Path resolved = resolveCommand(command);
    if (resolved == null) throw new ToolError("command not found or not executable: " + command);
    if (!visible(resolved, readOnly, writable)) {
      throw new ToolError("command " + resolved + " is not visible in the sandbox: add its directory to the server's "
          + "mounts (only /usr, /bin, /lib* and the mounts are)");
    }
    return new Launch(sandbox.wrap(new Sandbox.View(home, writable, readOnly, server.getBoolean("network", false)), argv), home);
  }

  /** The argv to start and the server's private home (its HOME and working directory). */
  record Launch(List<String> argv, Path home) {}

  /** The server's private HOME (also its working directory): made on demand, given to the sandbox's uid. */
  Path home(String serverId) {
    Path dir = dataDir.resolve("mcp-home").resolve(serverId.replaceAll("[^A-Za-z0-9_-]", "_"));
    try {
      Files.createDirectories(dir);
      sandbox.own(dir);
      return dir.toRealPath();
    } catch (IOException e) {
      throw new ToolError("cannot create the MCP server's home " + dir + ": " + e.getMessage());
    }
  }

  private static boolean visible(Path command, List<Path> readOnly, List<Path> writable) {
    Path real;
    try {
      real = command.toRealPath();
    } catch (IOException e) {
      real = command;
    }
    for (Path p : List.of(command, real)) {
      if (p.startsWith("/usr") || p.startsWith("/bin") || p.startsWith("/sbin") || p.startsWith("/lib")) return true;
      for (Path m : readOnly) if (p.startsWith(m)) return true;
      for (Path m : writable) if (p.startsWith(m)) return true;
    }
    return false;
  }

  static Path resolveCommand(String command) {
    if (command == null || command.isBlank()) return null;
    if (command.contains("/")) {
      Path p = Path.of(command);
      return Files.isExecutable(p) ? p.toAbsolutePath().normalize() : null;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, command);
      if (Files.isExecutable(p)) return p.toAbsolutePath().normalize();
    }
    return null;
  }
}
