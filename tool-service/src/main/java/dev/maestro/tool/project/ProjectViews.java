package dev.maestro.tool.project;

import dev.maestro.tool.builtin.BuiltinTools;
import dev.maestro.tool.builtin.Sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What run_command sees in a project session: its worktree read-write (the workspace), the repository's git
 * directory read-only (objects, refs, config, hooks, the main checkout's HEAD and index), and read-write only
 * the worktree's private git directory ({@code .git/worktrees/<session>}: its HEAD and index). New objects
 * (a {@code git add} in the sandbox) go to a private object directory inside it, with the shared store as
 * an alternate, so {@code git status}, {@code diff}, {@code log} and {@code add} work while nothing of the
 * repository outside this worktree can be changed. Commits are made by Maestro (the commit operation).
 * The repository's own files (the main checkout) are not in the view at all.
 * <p>Kept in memory (filled at start from the store), so that the lookup needs no I/O on the event loop.
 */
public final class ProjectViews implements BuiltinTools.SessionViews {
  private final Map<String, SessionTree> trees = new ConcurrentHashMap<>();

  public void put(SessionTree t) {
    trees.put(t.sessionId(), t);
  }

  public void remove(String sessionId) {
    trees.remove(sessionId);
  }

  public SessionTree get(String sessionId) {
    return sessionId == null ? null : trees.get(sessionId);
  }

  @Override
  public Sandbox.View view(String sessionId, Path workspace) {
    SessionTree t = get(sessionId);
    if (t == null) return Sandbox.View.workspace(workspace);
    return new Sandbox.View(workspace, List.of(t.privateGitDir()), List.of(t.gitDir()), false);
  }

  @Override
  public Map<String, String> environment(String sessionId) {
    SessionTree t = get(sessionId);
    if (t == null) return Map.of();
    // When tool-service runs as root the sandbox runs as another uid, which git would call "dubious ownership"
    // of the repository; the sandbox can change nothing of it anyway, so that check is waived (command-line level).
    return Map.of("GIT_OBJECT_DIRECTORY", t.privateObjects().toString(),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES", t.gitDir().resolve("objects").toString(),
        "GIT_CONFIG_COUNT", "1", "GIT_CONFIG_KEY_0", "safe.directory", "GIT_CONFIG_VALUE_0", "*");
  }
}
