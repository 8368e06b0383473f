package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.ToolError;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * read_file, write_file, edit_file, list_dir, glob, grep. Every path is opened through
 * {@link Workspace#open} (component by component, O_NOFOLLOW, no check-then-open); directory walks
 * open each directory relative to its parent the same way and never enter or read a symlink.
 * Blocking I/O (call from a worker thread); returns the text for the model or throws {@link ToolError}.
 */
public final class FileTools {
  public static final long MAX_FILE_BYTES = 5L * 1024 * 1024;
  static final int MAX_ENTRIES = 1000;
  static final int MAX_MATCHES = 200;
  static final long GREP_FILE_LIMIT = 1024 * 1024;
  static final int DEFAULT_LINES = 2000;
  /** Names read from one directory at most (list_dir sorts them, so it must hold them). */
  static final int MAX_SCAN = 100_000;
  static final int MAX_DEPTH = 32;

  /** How long a glob may walk and how many matches it collects before it stops (MAESTRO_TOOL_GLOB_*). */
  public record GlobLimits(long deadlineMillis, int maxResults) {
    public static final GlobLimits DEFAULT = new GlobLimits(5000, 1000);
  }

  private FileTools() {}

  public static String readFile(Workspace ws, JsonObject args) {
    String userPath = args.getString("path");
    byte[] bytes;
    try (Workspace.Entry e = ws.open(userPath, false)) {
      Workspace.requireRegularFile(e, MAX_FILE_BYTES);
      bytes = read(e.dir, e.name, userPath, MAX_FILE_BYTES);
    }
    for (int i = 0; i < Math.min(bytes.length, 8192); i++) {
      if (bytes[i] == 0) throw new ToolError("'" + userPath + "' looks like a binary file; read_file returns text only");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int offset = args.getInteger("offset", 1);
    int limit = args.getInteger("limit", DEFAULT_LINES);
    if (offset < 1) throw new ToolError("offset is a 1-based line number");
    String[] lines = text.split("\n", -1);
    int total = text.endsWith("\n") ? lines.length - 1 : lines.length;
    if (offset > Math.max(total, 1)) throw new ToolError("offset " + offset + " is past the end (" + total + " lines)");
    int end = Math.min(total, offset - 1 + limit);
    StringBuilder sb = new StringBuilder();
    for (int i = offset - 1; i < end; i++) sb.append(lines[i]).append('\n');
    if (end < total) sb.append("[... ").append(total - end).append(" more lines; use offset=").append(end + 1).append(" ...]\n");
    return sb.toString();
  }

  public static String writeFile(Workspace ws, JsonObject args) {
    String userPath = args.getString("path");
    String content = args.getString("content");
    if (content == null) throw new ToolError("content is required");
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_FILE_BYTES) throw new ToolError("content is " + bytes.length + " bytes, over the " + MAX_FILE_BYTES + "-byte limit");
    try (Workspace.Entry e = ws.open(userPath, true)) {
      if (e.name == null) throw new ToolError("'" + userPath + "' is the workspace directory itself");
      ws.refuseGitMetadata(e.path(), userPath);
      BasicFileAttributes a = e.attributesOrNull();
      if (a != null && a.isDirectory()) throw new ToolError("'" + userPath + "' is a directory, not a file");
      if (a != null && !a.isRegularFile()) throw new ToolError("'" + userPath + "' is not a regular file (device, FIFO or socket)");
      ws.writeFile(e, bytes, a);
      return "Wrote " + bytes.length + " bytes to " + ws.display(e.path());
    }
  }

  public static String editFile(Workspace ws, JsonObject args) {
    String userPath = args.getString("path");
    String old = args.getString("old");
    String replacement = args.getString("new");
    if (old == null || old.isEmpty()) throw new ToolError("old must be a non-empty string to find");
    if (replacement == null) throw new ToolError("new is required");
    try (Workspace.Entry e = ws.open(userPath, false)) {
      ws.refuseGitMetadata(e.path(), userPath);
      BasicFileAttributes a = Workspace.requireRegularFile(e, MAX_FILE_BYTES);
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(read(e.dir, e.name, userPath, MAX_FILE_BYTES))).toString();
      } catch (CharacterCodingException ex) {
        throw new ToolError("'" + userPath + "' is not UTF-8 text; edit_file edits text files only");
      }
      int first = text.indexOf(old);
      if (first < 0) throw new ToolError("old text was not found in '" + userPath + "'; it must match exactly, including whitespace");
      int count = 0;
      for (int i = first; i >= 0; i = text.indexOf(old, i + 1)) count++;
      if (count > 1) throw new ToolError("old text matches " + count + " times in '" + userPath + "'; include more context so it matches once");
      String updated = text.substring(0, first) + replacement + text.substring(first + old.length());
      byte[] bytes = updated.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > MAX_FILE_BYTES) throw new ToolError("the edited file would exceed the " + MAX_FILE_BYTES + "-byte limit");
      ws.writeFile(e, bytes, a);
      return "Edited " + ws.display(e.path()) + " (1 replacement)";
    }
  }

  public static String listDir(Workspace ws, JsonObject args) {
    String userPath = args.getString("path", ".");
    List<String> out = new ArrayList<>();
    int total = 0;
    try (Workspace.Entry e = ws.open(userPath, false)) {
      if (!e.attributes().isDirectory()) throw new ToolError("'" + userPath + "' is not a directory");
      try (SecureDirectoryStream<Path> dir = e.openDirectory()) {
        List<Path> names = new ArrayList<>();
        for (Path p : dir) {
          if (names.size() >= MAX_SCAN) break;
          names.add(p.getFileName());
        }
        names.sort(null);
        for (Path name : names) {
          total++;
          if (out.size() >= MAX_ENTRIES) continue;
          BasicFileAttributes a = attributes(dir, name);
          if (a == null) continue;
          if (a.isDirectory()) out.add(name + "/");
          else if (a.isSymbolicLink()) out.add(name + "@");
          else if (a.isRegularFile()) out.add(name + "  (" + a.size() + " bytes)");
          else out.add(name + "  (special file)");
        }
      } catch (IOException ex) {
        throw new ToolError("cannot list '" + userPath + "': " + ex.getMessage());
      }
    }
    if (out.isEmpty()) return "(empty directory)";
    String listing = String.join("\n", out);
    return total > out.size() ? listing + "\n[... " + (total - out.size()) + " more entries]" : listing;
  }

  public static String glob(Workspace ws, JsonObject args) {
    return glob(ws, args, GlobLimits.DEFAULT);
  }

  public static String glob(Workspace ws, JsonObject args, GlobLimits limits) {
    String pattern = args.getString("pattern");
    if (pattern == null || pattern.isEmpty()) throw new ToolError("pattern is required");
    if (pattern.indexOf('\0') >= 0) throw new ToolError("pattern contains a NUL byte");
    if (pattern.startsWith("/") || pattern.startsWith("~")) throw new ToolError("glob patterns are relative to the workspace; '" + pattern + "' is not");
    for (String seg : pattern.split("/")) {
      if (seg.equals("..")) throw new ToolError("glob pattern '" + pattern + "' uses '..'; it cannot leave the workspace");
    }
    PathMatcher matcher;
    try {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    } catch (IllegalArgumentException e) {
      throw new ToolError("invalid glob pattern '" + pattern + "': " + e.getMessage());
    }
    long deadline = System.nanoTime() + limits.deadlineMillis() * 1_000_000L;
    List<String> out = new ArrayList<>();
    long[] visited = {0};
    boolean complete;
    try (Workspace.Entry root = ws.open(".", false)) {
      complete = walk(root.openDirectory(), Path.of(""), 0, (dir, rel, a) -> {
        if (++visited[0] % 256 == 0 && System.nanoTime() > deadline) {
          throw new ToolError("glob '" + pattern + "' stopped after " + limits.deadlineMillis() + " ms (" + visited[0]
              + " entries looked at, " + out.size() + " matches so far): the tree is too large; use a narrower pattern "
              + "such as 'src/**/*.java'");
        }
        if (matcher.matches(rel)) {
          out.add(rel + (a.isDirectory() ? "/" : ""));
          return out.size() < limits.maxResults();
        }
        return true;
      });
    }
    if (out.isEmpty()) return "No files match '" + pattern + "'";
    out.sort(String::compareTo);
    String listing = String.join("\n", out);
    return complete ? listing : listing + "\n[stopped at " + limits.maxResults() + " matches; use a narrower pattern]";
  }

  public static String grep(Workspace ws, JsonObject args, long deadlineNanos) {
    String regex = args.getString("pattern");
    if (regex == null || regex.isEmpty()) throw new ToolError("pattern is required");
    if (regex.length() > 1000) throw new ToolError("pattern is longer than 1000 characters");
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ToolError("invalid regular expression: " + e.getDescription());
    }
    String userPath = args.getString("path", ".");
    List<String> out = new ArrayList<>();
    int[] total = {0};
    Visitor visitor = (dir, rel, a) -> {
      if (System.nanoTime() > deadlineNanos) throw new ToolError("grep took too long (the tree is too large or the regular expression backtracks badly)");
      if (!a.isRegularFile() || a.size() > GREP_FILE_LIMIT) return true;
      byte[] bytes;
      try {
        bytes = read(dir, rel.getFileName(), rel.toString(), GREP_FILE_LIMIT);
      } catch (ToolError e) {
        return true;
      }
      for (int i = 0; i < Math.min(bytes.length, 8192); i++) if (bytes[i] == 0) return true;
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        if (pattern.matcher(new DeadlineCharSequence(lines[i], deadlineNanos)).find()) {
          total[0]++;
          if (out.size() < MAX_MATCHES) {
            String line = lines[i].length() > 300 ? lines[i].substring(0, 300) + "…" : lines[i];
            out.add(rel + ":" + (i + 1) + ": " + line);
          }
        }
      }
      return true;
    };
    try (Workspace.Entry e = ws.open(userPath, false)) {
      BasicFileAttributes a = e.attributes();
      Path rel = Path.of(ws.display(e.path()));
      if (a.isDirectory()) {
        walk(e.openDirectory(), e.name == null ? Path.of("") : rel, 0, visitor);
      } else {
        visitor.visit(e.dir, rel, a);
      }
    }
    if (out.isEmpty()) return "No matches for /" + regex + "/";
    String listing = String.join("\n", out);
    return total[0] > out.size() ? listing + "\n[... " + (total[0] - out.size()) + " more matches]" : listing;
  }

  interface Visitor {
    /** {@code dir}: the opened directory holding the entry; {@code rel}: its workspace path. False stops the walk. */
    boolean visit(SecureDirectoryStream<Path> dir, Path rel, BasicFileAttributes attrs);
  }

  /**
   * Depth-first walk of an opened directory (closed at the end): sub-directories are opened relative to it
   * with O_NOFOLLOW, symlinks are visited as entries but never entered or read. False when stopped early.
   */
  private static boolean walk(SecureDirectoryStream<Path> dir, Path rel, int depth, Visitor v) {
    try (dir) {
      List<Path> names = new ArrayList<>();
      for (Path p : dir) {
        if (names.size() >= MAX_SCAN) break;
        names.add(p.getFileName());
      }
      for (Path name : names) {
        BasicFileAttributes a = attributes(dir, name);
        if (a == null) continue;
        Path child = rel.resolve(name);
        if (!v.visit(dir, child, a)) return false;
        if (a.isDirectory() && depth < MAX_DEPTH) {
          SecureDirectoryStream<Path> sub;
          try {
            sub = (SecureDirectoryStream<Path>) dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
          } catch (IOException e) {
            continue;   // gone, or swapped for a link: not entered
          }
          if (!walk(sub, child, depth + 1, v)) return false;
        }
      }
      return true;
    } catch (IOException e) {
      throw new ToolError("cannot walk the workspace: " + e.getMessage());
    }
  }

  private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) {
    try {
      return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    } catch (IOException e) {
      return null;
    }
  }

  /** A regular file of the workspace (opened as every file tool opens it), or null when missing, unreachable or larger than max. */
  public static byte[] readBytesOrNull(Workspace ws, String userPath, long max) {
    try (Workspace.Entry e = ws.open(userPath, false)) {
      BasicFileAttributes a = e.attributesOrNull();
      if (a == null || !a.isRegularFile() || a.size() > max) return null;
      return read(e.dir, e.name, userPath, max);
    } catch (ToolError refused) {
      return null;
    }
  }

  /** Reads a file opened relative to {@code dir} with O_NOFOLLOW, at most {@code max} bytes. */
  private static byte[] read(SecureDirectoryStream<Path> dir, Path name, String userPath, long max) {
    try (SeekableByteChannel ch = dir.newByteChannel(name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max + 1, Math.max(ch.size() + 1, 8192)));
      while (true) {
        if (!buf.hasRemaining()) {
          if (buf.capacity() > max) throw new ToolError("'" + userPath + "' is over the " + max + "-byte limit");
          ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(max + 1, buf.capacity() * 2L));
          buf.flip();
          bigger.put(buf);
          buf = bigger;
        }
        if (ch.read(buf) < 0) break;
      }
      byte[] out = new byte[buf.position()];
      buf.flip().get(out);
      return out;
    } catch (IOException e) {
      throw new ToolError("cannot read '" + userPath + "': " + e.getMessage());
    }
  }

  /** Lets a runaway regular expression be stopped: every charAt checks the call's deadline. */
  static final class DeadlineCharSequence implements CharSequence {
    private final CharSequence inner;
    private final long deadline;

    DeadlineCharSequence(CharSequence inner, long deadline) {
      this.inner = inner;
      this.deadline = deadline;
    }

    @Override
    public char charAt(int index) {
      if (System.nanoTime() > deadline) throw new ToolError("grep took too long (the regular expression may backtrack badly)");
      return inner.charAt(index);
    }

    @Override
    public int length() { return inner.length(); }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new DeadlineCharSequence(inner.subSequence(start, end), deadline);
    }

    @Override
    public String toString() { return inner.toString(); }
  }
}
