package dev.maestro.tool.project;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What git does to a session's worktree, run by tool-service itself (outside the sandbox). Blocking: call
 * from a worker.
 * <p>Nothing here trusts what the agent can write: the worktree's {@code .git} file and its private git
 * directory (HEAD, index) are writable inside the sandbox, so every command names the repository's own
 * git directory ({@code GIT_DIR}), the worktree ({@code GIT_WORK_TREE}) and a throw-away index
 * ({@code GIT_INDEX_FILE}) explicitly and works on the branch by its full ref. A pointed-elsewhere
 * {@code .git} file or a HEAD moved to {@code main} therefore changes nothing of what is snapshotted,
 * committed or restored.
 * <p>A snapshot is the tree of every file of the worktree that git would track ({@code add -A} into the
 * throw-away index: ignored files are left out). Checkpoints are commits of snapshots kept alive by
 * private refs {@code refs/maestro/checkpoints/<session>/<id>}: on no branch, never shown by
 * {@code git log}, {@code git branch} or a push of branches.
 */
public final class Worktrees {
  private static final Pattern REF = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._/@^~{}-]{0,199}$");
  private static final Map<String, String> MAESTRO_IDENTITY = Map.of("GIT_AUTHOR_NAME", "Maestro", "GIT_AUTHOR_EMAIL",
      "maestro@localhost", "GIT_COMMITTER_NAME", "Maestro", "GIT_COMMITTER_EMAIL", "maestro@localhost");
  static final int MAX_DIFF_CHARS = 1_000_000;

  private final Path scratch;

  /** scratch: a private directory for throw-away index files (outside every workspace). */
  public Worktrees(Path scratch) {
    this.scratch = scratch;
  }

  /** A ref a user may name as a base: letters, digits and ref punctuation, never an option. */
  public static boolean validRef(String ref) {
    return ref != null && REF.matcher(ref).matches() && !ref.contains("..") && !ref.contains("@{-");
  }

  /** The commit a ref names in the repository, or null when it names none. */
  public static String commitOf(Path gitDir, String ref) {
    Git.Result r = Git.exec(null, Map.of("GIT_DIR", gitDir.toString()), List.of("rev-parse", "-q", "--verify", ref + "^{commit}"), null, null);
    return r.exit() == 0 ? r.out().strip() : null;
  }

  /** The branch HEAD of a repository names (its default branch), or "HEAD" when detached. */
  public static String currentBranch(Path gitDir) {
    Git.Result r = Git.exec(null, Map.of("GIT_DIR", gitDir.toString()), List.of("symbolic-ref", "-q", "--short", "HEAD"), null, null);
    return r.exit() == 0 && !r.out().isBlank() ? r.out().strip() : "HEAD";
  }

  /** The new worktree on a new branch at baseCommit, plus the private object directory the sandbox writes to. */
  public void create(SessionTree t) {
    if (commitOf(t.gitDir(), t.branchRef()) != null) {
      throw new Git.GitException(409, "the branch " + t.branch() + " already exists in the repository");
    }
    try {
      Files.createDirectories(t.worktree().getParent());
      if (Files.isDirectory(t.worktree())) {
        try (var s = Files.list(t.worktree())) {
          if (s.findAny().isPresent()) throw new Git.GitException(409, "the session's workspace is not empty");
        }
        Files.delete(t.worktree());
      }
    } catch (IOException e) {
      throw new Git.GitException(-1, "cannot prepare the workspace: " + e.getMessage());
    }
    Git.run(null, Map.of("GIT_DIR", t.gitDir().toString()), "worktree", "add", "--quiet", "--no-track", "-b", t.branch(),
        t.worktree().toString(), t.baseCommit());
    try {
      Files.createDirectories(t.privateObjects());
    } catch (IOException e) {
      throw new Git.GitException(-1, "cannot make the worktree's object directory: " + e.getMessage());
    }
  }

  /** Removes the worktree and its checkpoints; the branch goes too unless it has commits of its own. */
  public void remove(SessionTree t) {
    Map<String, String> env = Map.of("GIT_DIR", t.gitDir().toString());
    Git.Result r = Git.exec(null, env, List.of("worktree", "remove", "--force", "--force", t.worktree().toString()), null, null);
    if (r.exit() != 0) {
      deleteTree(t.worktree());
      deleteTree(t.privateGitDir());
      Git.exec(null, env, List.of("worktree", "prune"), null, null);
    }
    StringBuilder deletes = new StringBuilder();
    for (String ref : Git.run(null, env, "for-each-ref", "--format=%(refname)", "refs/maestro/checkpoints/" + t.sessionId() + "/").split("\n")) {
      if (!ref.isBlank()) deletes.append("delete ").append(ref.strip()).append('\n');
    }
    String tip = commitOf(t.gitDir(), t.branchRef());
    if (tip != null && tip.equals(t.baseCommit())) deletes.append("delete ").append(t.branchRef()).append('\n');
    if (deletes.length() > 0) updateRefs(t.gitDir(), deletes.toString());
  }

  /** The tip of the session's branch (the worktree's HEAD as far as Maestro is concerned). */
  public String tip(SessionTree t) {
    String c = commitOf(t.gitDir(), t.branchRef());
    if (c == null) throw new Git.GitException(409, "the session's branch " + t.branch() + " is gone from the repository");
    return c;
  }

  /** A worktree state: its tree and the throw-away index that describes it (delete it when done). */
  record Snapshot(String tree, Path index) implements AutoCloseable {
    @Override
    public void close() {
      try {
        Files.deleteIfExists(index);
        Files.deleteIfExists(index.resolveSibling(index.getFileName() + ".lock"));
      } catch (IOException ignored) {
        // scratch is cleaned at start
      }
    }
  }

  Snapshot snapshot(SessionTree t) {
    try {
      Files.createDirectories(scratch);
    } catch (IOException e) {
      throw new Git.GitException(-1, "cannot make the scratch directory: " + e.getMessage());
    }
    Path index = scratch.resolve("index-" + UUID.randomUUID());
    Map<String, String> env = env(t, index);
    Git.run(t.worktree(), env, "read-tree", t.branchRef());
    Git.run(t.worktree(), env, "add", "-A", "--", ".");
    return new Snapshot(Git.run(t.worktree(), env, "write-tree").strip(), index);
  }

  private static Map<String, String> env(SessionTree t, Path index) {
    Map<String, String> env = new HashMap<>();
    env.put("GIT_DIR", t.gitDir().toString());
    env.put("GIT_WORK_TREE", t.worktree().toString());
    env.put("GIT_INDEX_FILE", index.toString());
    return env;
  }

  /** Records the worktree as it is now → the checkpoint commit (kept by refs/maestro/checkpoints/session/id). */
  public String checkpoint(SessionTree t, String checkpointId, String turnId) {
    String tip = tip(t);
    try (Snapshot s = snapshot(t)) {
      Map<String, String> env = new HashMap<>(MAESTRO_IDENTITY);
      env.put("GIT_DIR", t.gitDir().toString());
      String commit = Git.run(null, env, "commit-tree", s.tree(), "-p", tip, "-m", "maestro checkpoint before turn " + turnId).strip();
      updateRefs(t.gitDir(), "update refs/maestro/checkpoints/" + t.sessionId() + "/" + checkpointId + " " + commit + "\n");
      return commit;
    }
  }

  /** Paths that differ between a commit's tree and the worktree now. */
  public List<String> changedSince(SessionTree t, String commit) {
    try (Snapshot s = snapshot(t)) {
      return names(t, commit + "^{tree}", s.tree());
    }
  }

  private static List<String> names(SessionTree t, String from, String to) {
    String out = Git.run(null, Map.of("GIT_DIR", t.gitDir().toString()), "diff-tree", "-r", "--no-renames", "--name-only", "-z", from, to);
    List<String> files = new ArrayList<>();
    for (String p : out.split("\0")) if (!p.isEmpty()) files.add(p);
    return files;
  }

  /** The worktree exactly as in commit (files it lacks removed, modes kept); ignored files are left alone. → paths changed. */
  public List<String> restore(SessionTree t, String commit) {
    try (Snapshot s = snapshot(t)) {
      String target = Git.run(null, Map.of("GIT_DIR", t.gitDir().toString()), "rev-parse", "--verify", commit + "^{tree}").strip();
      List<String> changed = names(t, s.tree(), target);
      if (!changed.isEmpty()) Git.run(t.worktree(), env(t, s.index()), "read-tree", "-m", "-u", s.tree(), target);
      return changed;
    }
  }

  /** Uncommitted work against the branch: {baseRef, branch, files:[{path,status,additions,deletions}], diff, truncated}. */
  public JsonObject changes(SessionTree t) {
    String tip = tip(t);
    try (Snapshot s = snapshot(t)) {
      Map<String, String> env = Map.of("GIT_DIR", t.gitDir().toString());
      String from = tip + "^{tree}";
      Map<String, JsonObject> files = new LinkedHashMap<>();
      String[] status = Git.run(null, env, "diff-tree", "-r", "-M", "--name-status", "-z", from, s.tree()).split("\0");
      for (int i = 0; i < status.length; i++) {
        String code = status[i];
        if (code.isEmpty()) continue;
        String path;
        String kind;
        String oldPath = null;
        switch (code.charAt(0)) {
          case 'A' -> kind = "added";
          case 'D' -> kind = "deleted";
          case 'R' -> kind = "renamed";
          default -> kind = "modified";
        }
        if (code.charAt(0) == 'R' || code.charAt(0) == 'C') {
          oldPath = status[++i];
          path = status[++i];
        } else {
          path = status[++i];
        }
        JsonObject f = new JsonObject().put("path", path).put("status", kind).put("additions", 0).put("deletions", 0);
        if (oldPath != null) f.put("oldPath", oldPath);
        files.put(path, f);
      }
      String[] num = Git.run(null, env, "diff-tree", "-r", "-M", "--numstat", "-z", from, s.tree()).split("\0");
      for (int i = 0; i < num.length; i++) {
        String rec = num[i];
        if (rec.isEmpty()) continue;
        String[] f = rec.split("\t", 3);
        if (f.length < 3) continue;
        String path = f[2];
        if (path.isEmpty()) {   // a rename: the old and new paths follow as their own fields
          i++;
          path = i + 1 < num.length ? num[++i] : "";
        }
        JsonObject file = files.get(path);
        if (file == null) continue;
        if (f[0].equals("-")) file.put("binary", true);
        else file.put("additions", Integer.parseInt(f[0])).put("deletions", Integer.parseInt(f[1]));
      }
      String diff = Git.run(null, env, "diff-tree", "-r", "-M", "-p", "--no-color", "--no-ext-diff", "--no-textconv", from, s.tree());
      boolean truncated = diff.length() > MAX_DIFF_CHARS;
      if (truncated) diff = diff.substring(0, MAX_DIFF_CHARS);
      return new JsonObject().put("baseRef", t.baseRef()).put("baseCommit", t.baseCommit()).put("branch", t.branch())
          .put("head", tip).put("files", new JsonArray(new ArrayList<>(files.values()))).put("diff", diff).put("truncated", truncated);
    }
  }

  /** Commits the whole worktree on the session's branch → the new commit; 409 when nothing changed. */
  public String commit(SessionTree t, String message, String authorName, String authorEmail) {
    String tip = tip(t);
    try (Snapshot s = snapshot(t)) {
      Map<String, String> env = new HashMap<>(MAESTRO_IDENTITY);
      env.put("GIT_DIR", t.gitDir().toString());
      String tipTree = Git.run(null, env, "rev-parse", tip + "^{tree}").strip();
      if (tipTree.equals(s.tree())) throw new Git.GitException(409, "nothing to commit: the worktree matches " + t.branch());
      env.put("GIT_AUTHOR_NAME", authorName);
      env.put("GIT_AUTHOR_EMAIL", authorEmail);
      String commit = Git.run(null, env, "commit-tree", s.tree(), "-p", tip, "-m", message).strip();
      // compare-and-swap on the branch: a commit made meanwhile is not overwritten
      updateRefs(t.gitDir(), "update " + t.branchRef() + " " + commit + " " + tip + "\n");
      // the worktree's own index follows, so `git status` inside the sandbox shows a clean tree
      Git.exec(null, Map.of("GIT_DIR", t.gitDir().toString(), "GIT_INDEX_FILE", t.privateGitDir().resolve("index").toString()),
          List.of("read-tree", commit), null, null);
      return commit;
    }
  }

  /** One ref update: {@code update REF NEW [OLD]} or {@code delete REF}, without touching the ref log. */
  private static void updateRefs(Path gitDir, String commands) {
    Map<String, String> env = Map.of("GIT_DIR", gitDir.toString());
    for (String line : commands.split("\n")) {
      String[] f = line.strip().split(" ");
      if (f[0].equals("update")) {
        List<String> args = new ArrayList<>(List.of("-c", "core.logAllRefUpdates=false", "update-ref", "--no-deref", f[1], f[2]));
        if (f.length > 3) args.add(f[3]);
        Git.run(null, env, args);
      } else if (f[0].equals("delete")) {
        Git.run(null, env, "update-ref", "--no-deref", "-d", f[1]);
      }
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
