package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.ToolError;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A session's workspace directory and the one place where model-supplied paths are opened. There is
 * no check-then-open: a path is split into components lexically (refused when it leaves the
 * workspace) and then every component is opened relative to the directory opened before it
 * ({@code openat}, through {@link SecureDirectoryStream}) with {@code O_NOFOLLOW}. A symbolic link met on
 * the way is read and, when its target is inside the workspace, the walk starts again from the
 * workspace root with the target's components (again without following anything); a link that leads
 * out is refused. A directory swapped for a symlink between two steps therefore makes the open fail
 * instead of leaving the workspace. New directories are made in a private staging directory outside
 * every workspace and moved into place with {@code renameat}; files are written to a new temporary
 * file ({@code O_CREAT|O_EXCL}) in the opened parent and renamed over the target. Blocking
 * file-system calls: use from a worker thread.
 */
public final class Workspace {
  private static final Pattern SESSION_ID = Pattern.compile("^[A-Za-z0-9_-]{1,128}$");
  private static final Pattern URL_ENCODED = Pattern.compile("%[0-9A-Fa-f]{2}");
  private static final int MAX_PATH = 4096;
  private static final int MAX_LINK_HOPS = 40;

  private final Path root;
  private final Path staging;
  /** The uid files made here are given to (the sandbox's uid when it differs from ours), or -1. */
  private final int owner;

  private Workspace(Path root, Path staging, int owner) {
    this.root = root;
    this.staging = staging;
    this.owner = owner;
  }

  /** MAESTRO_DATA_DIR/workspaces/&lt;sessionId&gt;, created on demand. */
  public static Workspace forSession(Path dataDir, String sessionId) {
    return forSession(dataDir, sessionId, null);
  }

  /** As above; when the sandbox runs commands as another uid, the workspace (and what file tools make) is theirs. */
  public static Workspace forSession(Path dataDir, String sessionId, Sandbox sandbox) {
    if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) {
      throw new ToolError("invalid session id for a workspace: only letters, digits, '_' and '-' are allowed");
    }
    Path dir = dataDir.resolve("workspaces").resolve(sessionId);
    try {
      Files.createDirectories(dir);
      if (sandbox != null) sandbox.own(dir);
      return new Workspace(dir.toRealPath(), dataDir.resolve("workspace-staging"), sandbox == null ? -1 : sandbox.foreignUid());
    } catch (IOException e) {
      throw new ToolError("cannot create the workspace: " + e.getMessage());
    }
  }

  public Path root() {
    return root;
  }

  /** The path as the model should see it: relative to the workspace, "." for the root. */
  public String display(Path inside) {
    Path rel = root.relativize(inside);
    return rel.toString().isEmpty() ? "." : rel.toString();
  }

  /** The workspace path {@code userPath} names, lexically (nothing is opened). */
  public Path lexical(String userPath) {
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
    return candidate;
  }

  /**
   * File tools never write git's metadata: a worktree's {@code .git} file names the git directory that
   * Maestro's own git commands and the repository's main checkout rely on, and a {@code .git} directory holds
   * HEAD, config and hooks. (Maestro's git never reads the worktree's {@code .git}; this keeps the model from trying.)
   */
  public void refuseGitMetadata(Path inside, String userPath) {
    for (Path name : root.relativize(inside)) {
      if (name.toString().equalsIgnoreCase(".git")) {
        throw new ToolError("path '" + userPath + "' is git metadata (.git); file tools do not write it");
      }
    }
  }

  static ToolError outside(String userPath) {
    return new ToolError("path '" + userPath + "' is outside the workspace; only files under the session workspace are allowed");
  }

  /**
   * An entry opened safely: {@code dir} is its parent, opened component by component without following
   * links; {@code name} its last component ({@code null} for the workspace root, then {@code dir} is the
   * root); {@code path} the workspace path it stands for (links inside the workspace resolved).
   */
  public final class Entry implements Closeable {
    final SecureDirectoryStream<Path> dir;
    final Path name;
    final Path path;
    final String userPath;

    Entry(SecureDirectoryStream<Path> dir, Path name, Path path, String userPath) {
      this.dir = dir;
      this.name = name;
      this.path = path;
      this.userPath = userPath;
    }

    /** Attributes of the entry itself (never of a link's target); null when it does not exist. */
    BasicFileAttributes attributesOrNull() {
      try {
        if (name == null) return dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
        return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
      } catch (NoSuchFileException e) {
        return null;
      } catch (IOException e) {
        throw new ToolError("cannot read '" + userPath + "': " + e.getMessage());
      }
    }

    BasicFileAttributes attributes() {
      BasicFileAttributes a = attributesOrNull();
      if (a == null) throw new ToolError("'" + userPath + "' does not exist");
      return a;
    }

    /** Opens the entry as a directory (O_NOFOLLOW); the caller closes it. */
    SecureDirectoryStream<Path> openDirectory() {
      if (name == null) return reopenRoot();
      try {
        return (SecureDirectoryStream<Path>) dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
      } catch (NotDirectoryException e) {
        throw new ToolError("'" + userPath + "' is not a directory");
      } catch (IOException e) {
        throw new ToolError("cannot open '" + userPath + "': " + e.getMessage());
      }
    }

    public Path path() { return path; }

    @Override
    public void close() {
      try {
        dir.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }

  private SecureDirectoryStream<Path> reopenRoot() {
    try {
      DirectoryStream<Path> s = Files.newDirectoryStream(root);
      if (s instanceof SecureDirectoryStream<Path> sds) return sds;
      s.close();
      throw new ToolError("this platform cannot open directories safely (no SecureDirectoryStream)");
    } catch (IOException e) {
      throw new ToolError("cannot open the workspace: " + e.getMessage());
    }
  }

  /**
   * Opens the parent of {@code userPath} and names its last component, following only links whose
   * targets stay inside the workspace (the last component's link too). With {@code createParents},
   * missing directories on the way are made.
   */
  public Entry open(String userPath, boolean createParents) {
    Path target = lexical(userPath);
    for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      Object step = walk(target, userPath, createParents);
      if (step instanceof Entry e) return e;
      target = (Path) step;
    }
    throw new ToolError("path '" + userPath + "' goes through too many symbolic links");
  }

  /** One walk from the root: the {@link Entry} found, or the workspace path to walk again (through a link). */
  private Object walk(Path target, String userPath, boolean createParents) {
    List<Path> names = new ArrayList<>();
    for (Path n : root.relativize(target)) if (!n.toString().isEmpty()) names.add(n);
    SecureDirectoryStream<Path> dir = reopenRoot();
    Path at = root;
    try {
      for (int i = 0; i < names.size(); i++) {
        Path name = names.get(i);
        boolean last = i == names.size() - 1;
        BasicFileAttributes a;
        try {
          a = dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
          a = null;
        }
        if (a != null && a.isSymbolicLink()) {
          Path rest = at.resolve(name);
          for (int j = i + 1; j < names.size(); j++) rest = rest.resolve(names.get(j));
          return throughLink(at.resolve(name), rest, userPath);
        }
        if (last) {
          Entry found = new Entry(dir, name, at.resolve(name), userPath);
          dir = null;
          return found;
        }
        SecureDirectoryStream<Path> sub;
        if (a == null) {
          if (!createParents) throw new ToolError("'" + userPath + "' does not exist");
          sub = makeDirectory(dir, name, userPath);
        } else if (!a.isDirectory()) {
          throw new ToolError("'" + userPath + "': '" + display(at.resolve(name)) + "' is not a directory");
        } else {
          sub = openSub(dir, name, userPath);
        }
        if (sub == null) return target;   // swapped for a link while we looked: start again from the root
        dir.close();
        dir = sub;
        at = at.resolve(name);
      }
      Entry found = new Entry(dir, null, root, userPath);
      dir = null;
      return found;
    } catch (IOException e) {
      throw new ToolError("cannot open '" + userPath + "': " + e.getMessage());
    } finally {
      if (dir != null) {
        try {
          dir.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }
  }

  /** O_NOFOLLOW open of a sub-directory; null when it is (now) a symbolic link. */
  private static SecureDirectoryStream<Path> openSub(SecureDirectoryStream<Path> dir, Path name, String userPath) throws IOException {
    try {
      return (SecureDirectoryStream<Path>) dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
    } catch (NotDirectoryException e) {
      throw new ToolError("'" + userPath + "': '" + name + "' is not a directory");
    } catch (NoSuchFileException e) {
      throw new ToolError("'" + userPath + "' does not exist");
    } catch (FileSystemException e) {
      // ELOOP: the directory became a symbolic link between the stat and the open
      return null;
    }
  }

  /** The workspace path to walk instead of {@code link/...}: refused when the link leads outside. */
  private Path throughLink(Path link, Path rest, String userPath) {
    Path linkTarget;
    try {
      linkTarget = Files.readSymbolicLink(link);
    } catch (IOException e) {
      return rest;   // changed under us; walk again, it is checked again
    }
    Path resolved = (linkTarget.isAbsolute() ? linkTarget : link.getParent().resolve(linkTarget)).normalize();
    if (!resolved.startsWith(root)) {
      if (!Files.exists(resolved)) throw new ToolError("path '" + userPath + "' is a symbolic link to a missing target");
      throw new ToolError("path '" + userPath + "' goes through a symbolic link that leads outside the workspace; "
          + "only files under the session workspace are allowed");
    }
    return resolved.resolve(link.relativize(rest)).normalize();
  }

  /** mkdir in the private staging directory, then renameat into the opened parent: never through a link. */
  private SecureDirectoryStream<Path> makeDirectory(SecureDirectoryStream<Path> parent, Path name, String userPath) throws IOException {
    Files.createDirectories(staging);
    Path fresh = staging.resolve("d-" + UUID.randomUUID());
    Files.createDirectory(fresh);
    try (SecureDirectoryStream<Path> stage = (SecureDirectoryStream<Path>) Files.newDirectoryStream(staging)) {
      if (owner >= 0) {
        Files.setAttribute(fresh, "unix:uid", owner, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(fresh, "unix:gid", owner, LinkOption.NOFOLLOW_LINKS);
      }
      try {
        stage.move(fresh.getFileName(), parent, name);
      } catch (IOException raced) {
        Files.deleteIfExists(fresh);   // someone made it first: use theirs (checked like any other)
      }
    }
    return openSub(parent, name, userPath);
  }

  /**
   * Replaces (or creates) the entry's file with {@code bytes}: a new file made with O_CREAT|O_EXCL in the
   * opened parent, then renamed over the name. An existing file keeps its permissions.
   */
  void writeFile(Entry e, byte[] bytes, BasicFileAttributes existing) {
    Path tmp = Path.of(".maestro-write-" + UUID.randomUUID());
    try {
      try (var ch = e.dir.newByteChannel(tmp, java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) ch.write(buf);
      }
      PosixFileAttributeView view = e.dir.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (existing != null) {
        PosixFileAttributeView old = e.dir.getFileAttributeView(e.name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        try {
          view.setPermissions(old.readAttributes().permissions());
        } catch (IOException ignored) {
          // the old file is gone already: default permissions
        }
      }
      if (owner >= 0) {
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        view.setOwner(users.lookupPrincipalByName(String.valueOf(owner)));
        view.setGroup(users.lookupPrincipalByGroupName(String.valueOf(owner)));
      }
      e.dir.move(tmp, e.dir, e.name);
    } catch (IOException ex) {
      try {
        e.dir.deleteFile(tmp);
      } catch (IOException ignored) {
        // never made
      }
      String msg = ex instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : ex.getMessage();
      if (msg != null && msg.contains("Is a directory")) throw new ToolError("'" + e.userPath + "' is a directory, not a file");
      throw new ToolError("cannot write '" + e.userPath + "': " + msg);
    }
  }

  /** Refuses anything that is not an existing regular file no larger than maxBytes. */
  static BasicFileAttributes requireRegularFile(Entry e, long maxBytes) {
    BasicFileAttributes a = e.attributes();
    if (a.isDirectory()) throw new ToolError("'" + e.userPath + "' is a directory, not a file");
    if (!a.isRegularFile()) throw new ToolError("'" + e.userPath + "' is not a regular file (device, FIFO or socket)");
    if (a.size() > maxBytes) {
      throw new ToolError("'" + e.userPath + "' is " + a.size() + " bytes, over the " + maxBytes + "-byte limit");
    }
    return a;
  }
}
