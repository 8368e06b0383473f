package dev.maestro.tool.project;

import dev.maestro.tool.builtin.FileTools;
import dev.maestro.tool.builtin.Workspace;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The project rules of a worktree, like other coding agents read them: the {@code AGENTS.md} files of the
 * directories the agent works in (those of the files it has changed so far), each directory's own file
 * before its parents' (nearest first), and the worktree root's last. Files are opened the way file
 * tools open them (a link leading out of the worktree is not followed), and their size is capped.
 */
public final class AgentsRules {
  static final String FILE = "AGENTS.md";
  static final int MAX_FILE_BYTES = 32 * 1024;
  static final int MAX_TOTAL_BYTES = 64 * 1024;

  private AgentsRules() {}

  /** [{path, text}] for the worktree, given the paths (relative) the session has changed. Blocking. */
  public static JsonArray read(Workspace ws, List<String> changedPaths) {
    Set<String> dirs = new LinkedHashSet<>();
    List<Path> deepestFirst = new ArrayList<>();
    for (String p : changedPaths) {
      Path parent = Path.of(p).getParent();
      if (parent != null) deepestFirst.add(parent);
    }
    deepestFirst.sort(Comparator.comparingInt(Path::getNameCount).reversed().thenComparing(Path::toString));
    for (Path d : deepestFirst) {
      for (Path at = d; at != null; at = at.getParent()) dirs.add(at.toString());
    }
    dirs.add("");
    JsonArray out = new JsonArray();
    int total = 0;
    for (String d : dirs) {
      String path = d.isEmpty() ? FILE : d + "/" + FILE;
      byte[] bytes = FileTools.readBytesOrNull(ws, path, MAX_FILE_BYTES);
      if (bytes == null || bytes.length == 0 || total + bytes.length > MAX_TOTAL_BYTES) continue;
      total += bytes.length;
      out.add(new JsonObject().put("path", path).put("text", new String(bytes, StandardCharsets.UTF_8)));
    }
    return out;
  }
}
