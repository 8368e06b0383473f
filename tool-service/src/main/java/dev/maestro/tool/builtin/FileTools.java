package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.ToolError;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * read_file, write_file, edit_file, list_dir, glob, grep. Each method validates its paths through
 * {@link Workspace}, does blocking I/O (call from a worker thread) and returns the text for the
 * model, or throws {@link ToolError}. Symlinks are never followed while walking directories.
 */
public final class FileTools {
  public static final long MAX_FILE_BYTES = 5L * 1024 * 1024;
  static final int MAX_ENTRIES = 1000;
  static final int MAX_MATCHES = 200;
  static final long GREP_FILE_LIMIT = 1024 * 1024;
  static final int DEFAULT_LINES = 2000;

  private FileTools() {}

  public static String readFile(Workspace ws, JsonObject args) {
    String userPath = args.getString("path");
    Path real = ws.resolve(userPath);
    ws.requireRegularFile(real, userPath, MAX_FILE_BYTES);
    byte[] bytes = read(real, userPath);
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
    Path real = ws.resolve(userPath);
    if (real.equals(ws.root())) throw new ToolError("'" + userPath + "' is the workspace directory itself");
    if (Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
      BasicFileAttributes a = ws.attributes(real, userPath);
      if (a.isDirectory()) throw new ToolError("'" + userPath + "' is a directory, not a file");
      if (!a.isRegularFile()) throw new ToolError("'" + userPath + "' is not a regular file (device, FIFO or socket)");
    }
    write(ws, real, userPath, bytes);
    return "Wrote " + bytes.length + " bytes to " + ws.display(real);
  }

  public static String editFile(Workspace ws, JsonObject args) {
    String userPath = args.getString("path");
    String old = args.getString("old");
    String replacement = args.getString("new");
    if (old == null || old.isEmpty()) throw new ToolError("old must be a non-empty string to find");
    if (replacement == null) throw new ToolError("new is required");
    Path real = ws.resolve(userPath);
    ws.requireRegularFile(real, userPath, MAX_FILE_BYTES);
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(read(real, userPath))).toString();
    } catch (CharacterCodingException e) {
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
    write(ws, real, userPath, bytes);
    return "Edited " + ws.display(real) + " (1 replacement)";
  }

  public static String listDir(Workspace ws, JsonObject args) {
    String userPath = args.getString("path", ".");
    Path real = ws.resolve(userPath);
    BasicFileAttributes a = ws.attributes(real, userPath);
    if (!a.isDirectory()) throw new ToolError("'" + userPath + "' is not a directory");
    List<String> out = new ArrayList<>();
    int total = 0;
    try (Stream<Path> s = Files.list(real)) {
      for (Path p : (Iterable<Path>) s.sorted()::iterator) {
        total++;
        if (out.size() >= MAX_ENTRIES) continue;
        BasicFileAttributes e = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String name = p.getFileName().toString();
        if (e.isDirectory()) out.add(name + "/");
        else if (e.isSymbolicLink()) out.add(name + "@");
        else if (e.isRegularFile()) out.add(name + "  (" + e.size() + " bytes)");
        else out.add(name + "  (special file)");
      }
    } catch (IOException e) {
      throw new ToolError("cannot list '" + userPath + "': " + e.getMessage());
    }
    if (out.isEmpty()) return "(empty directory)";
    String listing = String.join("\n", out);
    return total > out.size() ? listing + "\n[... " + (total - out.size()) + " more entries]" : listing;
  }

  public static String glob(Workspace ws, JsonObject args) {
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
    List<String> out = new ArrayList<>();
    int[] total = {0};
    walk(ws.root(), (file, attrs) -> {
      Path rel = ws.root().relativize(file);
      if (matcher.matches(rel)) {
        total[0]++;
        if (out.size() < MAX_ENTRIES) out.add(rel + (attrs.isDirectory() ? "/" : ""));
      }
      return true;
    });
    if (out.isEmpty()) return "No files match '" + pattern + "'";
    out.sort(String::compareTo);
    String listing = String.join("\n", out);
    return total[0] > out.size() ? listing + "\n[... " + (total[0] - out.size()) + " more matches]" : listing;
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
    Path start = ws.resolve(userPath);
    ws.attributes(start, userPath);
    List<String> out = new ArrayList<>();
    int[] total = {0};
    walk(start, (file, attrs) -> {
      if (!attrs.isRegularFile() || attrs.size() > GREP_FILE_LIMIT) return true;
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        return true;
      }
      for (int i = 0; i < Math.min(bytes.length, 8192); i++) if (bytes[i] == 0) return true;
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        if (pattern.matcher(new DeadlineCharSequence(lines[i], deadlineNanos)).find()) {
          total[0]++;
          if (out.size() < MAX_MATCHES) {
            String line = lines[i].length() > 300 ? lines[i].substring(0, 300) + "…" : lines[i];
            out.add(ws.display(file) + ":" + (i + 1) + ": " + line);
          }
        }
      }
      return true;
    });
    if (out.isEmpty()) return "No matches for /" + regex + "/";
    String listing = String.join("\n", out);
    return total[0] > out.size() ? listing + "\n[... " + (total[0] - out.size()) + " more matches]" : listing;
  }

  interface Visitor {
    boolean visit(Path file, BasicFileAttributes attrs);
  }

  /** Walks without following symlinks (they are neither entered nor read), depth-capped. */
  private static void walk(Path start, Visitor v) {
    try {
      Files.walkFileTree(start, EnumSet.noneOf(java.nio.file.FileVisitOption.class), 32, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (!dir.equals(start) && !v.visit(dir, attrs)) return FileVisitResult.TERMINATE;
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          return v.visit(file, attrs) ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new ToolError("cannot walk the workspace: " + e.getMessage());
    }
  }

  private static byte[] read(Path real, String userPath) {
    try {
      return Files.readAllBytes(real);
    } catch (IOException e) {
      throw new ToolError("cannot read '" + userPath + "': " + e.getMessage());
    }
  }

  /** O_NOFOLLOW on the last component: a symlink swapped in after the checks is not written through. */
  private static void write(Workspace ws, Path real, String userPath, byte[] bytes) {
    try {
      Path parent = real.getParent();
      Files.createDirectories(parent);
      if (!parent.toRealPath().startsWith(ws.root())) throw new ToolError("path '" + userPath + "' is outside the workspace");
      try (OutputStream os = Files.newOutputStream(real, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        os.write(bytes);
      }
    } catch (IOException e) {
      throw new ToolError("cannot write '" + userPath + "': " + e.getMessage());
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
