package dev.maestro.tool.mcp;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Which directory each session offers MCP servers as its root: its workspace
 * ({@code <data dir>/workspaces/<session id>}) unless something (a project worktree) set another path with
 * {@link #set}. Connections listen for changes so they can tell their servers (roots/list_changed).
 */
public final class McpRoots {
  private final Path workspaces;
  private final Map<String, Path> chosen = new ConcurrentHashMap<>();
  private final List<BiConsumer<String, Path>> listeners = new CopyOnWriteArrayList<>();

  /** dataDir: where session workspaces live (null: sessions offer no root unless one is set). */
  public McpRoots(Path dataDir) {
    this.workspaces = dataDir == null ? null : dataDir.toAbsolutePath().normalize().resolve("workspaces");
  }

  /** The session's root, or null. Pure path arithmetic: nothing is created or checked here. */
  public Path of(String sessionId) {
    if (sessionId == null || !sessionId.matches("^[A-Za-z0-9_-]{1,128}$")) return null;
    Path p = chosen.get(sessionId);
    return p != null ? p : workspaces == null ? null : workspaces.resolve(sessionId);
  }

  /**
   * Sets the session's root (e.g. its project worktree; null: back to its workspace). Every server the session
   * has used is told (notifications/roots/list_changed) and sees the new root on its next roots/list.
   */
  public void set(String sessionId, Path root) {
    if (root == null) chosen.remove(sessionId);
    else chosen.put(sessionId, root.toAbsolutePath().normalize());
    Path now = of(sessionId);
    listeners.forEach(l -> l.accept(sessionId, now));
  }

  void listen(BiConsumer<String, Path> listener) {
    listeners.add(listener);
  }

  void unlisten(BiConsumer<String, Path> listener) {
    listeners.remove(listener);
  }
}
