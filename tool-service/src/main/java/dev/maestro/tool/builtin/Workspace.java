package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.ToolError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.regex.Pattern;

/**
 * A session's workspace directory and the one place where model-supplied paths are turned into
 * real paths. Every path is resolved after following symlinks and refused when it would leave the
 * workspace; the checks are lexical first (cheap, clear messages) and then on the real path
 * (symlinks). Blocking file-system calls: use from a worker thread.
 */
public final class Workspace {
  private static final Pattern SESSION_ID = Pattern.compile("^[A-Za-z0-9_-]{1,128}$");
  private static final Pattern URL_ENCODED = Pattern.compile("%[0-9A-Fa-f]{2}");
  private static final int MAX_PATH = 4096;

  private final Path root;

  private Workspace(Path root) {
    this.root = root;
  }

  /** MAESTRO_DATA_DIR/workspaces/&lt;sessionId&gt;, created on demand. */
  public static Workspace forSession(Path dataDir, String sessionId) {
    if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) {
      throw new ToolError("invalid session id for a workspace: only letters, digits, '_' and '-' are allowed");
    }
    return at(dataDir.resolve("workspaces").resolve(sessionId));
  }

  public static Workspace at(Path dir) {
    try {
      Files.createDirectories(dir);
      return new Workspace(dir.toRealPath());
    } catch (IOException e) {
      throw new ToolError("cannot create the workspace: " + e.getMessage());
    }
  }

  public Path root() {
    return root;
  }

  /** The path as the model should see it: relative to the workspace, "." for the root. */
  public String display(Path real) {
    Path rel = root.relativize(real);
    return rel.toString().isEmpty() ? "." : rel.toString();
  }

  /**
   * Resolves {@code userPath} (relative to the workspace, or absolute inside it) to a real path
   * inside the workspace. The target need not exist; its deepest existing ancestor must be inside.
   */
  public Path resolve(String userPath) {
    if (userPath == null || userPath.isEmpty()) throw new ToolError("path is required");
    if (userPath.indexOf('\0') >= 0) throw new ToolError("path contains a NUL byte");
    if (userPath.length() > MAX_PATH) throw new ToolError("path is longer than " + MAX_PATH + " characters");
    if (URL_ENCODED.matcher(userPath).find()) {
      throw new ToolError("path '" + userPath + "' contains URL-encoded characters (%xx); use plain paths");
    }
    if (userPath.startsWith("~")) {
      throw new ToolError("path '" + userPath + "' uses '~'; paths are relative to the workspace");
    }
    Path p;
    try {
      p = Path.of(userPath);
    } catch (InvalidPathException e) {
      throw new ToolError("invalid path '" + userPath + "': " + e.getReason());
    }
    Path candidate = (p.isAbsolute() ? p : root.resolve(p)).normalize();
    if (!candidate.startsWith(root)) throw outside(userPath);
    Path real = realPath(candidate, userPath);
    if (!real.startsWith(root)) throw outside(userPath);
    return real;
  }

  private Path realPath(Path candidate, String userPath) {
    try {
      if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
        try {
          return candidate.toRealPath();
        } catch (NoSuchFileException e) {
          throw new ToolError("path '" + userPath + "' is a symbolic link to a missing target");
        }
      }
      Path existing = candidate.getParent();
      while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
      if (existing == null) throw outside(userPath);
      Path realParent;
      try {
        realParent = existing.toRealPath();
      } catch (NoSuchFileException e) {
        throw new ToolError("path '" + userPath + "' goes through a symbolic link to a missing target");
      }
      return realParent.resolve(existing.relativize(candidate)).normalize();
    } catch (IOException e) {
      throw new ToolError("cannot resolve path '" + userPath + "': " + e.getMessage());
    }
  }

  private static ToolError outside(String userPath) {
    return new ToolError("path '" + userPath + "' is outside the workspace; only files under the session workspace are allowed");
  }

  /** Refuses anything that is not an existing regular file no larger than maxBytes. */
  public BasicFileAttributes requireRegularFile(Path real, String userPath, long maxBytes) {
    BasicFileAttributes a = attributes(real, userPath);
    if (a.isDirectory()) throw new ToolError("'" + userPath + "' is a directory, not a file");
    if (!a.isRegularFile()) throw new ToolError("'" + userPath + "' is not a regular file (device, FIFO or socket)");
    if (a.size() > maxBytes) {
      throw new ToolError("'" + userPath + "' is " + a.size() + " bytes, over the " + maxBytes + "-byte limit");
    }
    return a;
  }

  public BasicFileAttributes attributes(Path real, String userPath) {
    try {
      return Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new ToolError("'" + userPath + "' does not exist");
    } catch (IOException e) {
      throw new ToolError("cannot read '" + userPath + "': " + e.getMessage());
    }
  }
}
