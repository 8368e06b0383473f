package dev.maestro.tool.project;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.project.ProjectService;
import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.platform.net.OutboundRefusedException;
import dev.maestro.tool.builtin.Sandbox;
import dev.maestro.tool.builtin.Workspace;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * ProjectService: the registry of projects and the git side of project sessions. Every git command runs on
 * a worker ({@code maestro-git}), those of one session one after another (a snapshot, a restore and a
 * commit of the same worktree never interleave). Clones run in the background with their progress shown
 * on the project ({@code status: cloning, progress}); deleting the project cancels them.
 */
public final class ProjectServiceImpl implements ProjectService {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectServiceImpl.class);
  static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
  private static final Pattern SESSION_ID = Pattern.compile("^[A-Za-z0-9_-]{8,128}$");

  private final Vertx vertx;
  private final ProjectStore store;
  private final ProjectViews views;
  private final Worktrees worktrees;
  private final Path dataDir;
  private final Sandbox sandbox;
  private final OutboundPolicy outbound;
  private final WorkerExecutor git;
  /** The tail of each session's chain of git work (touched on the service's event loop only). */
  private final Map<String, Future<?>> tails = new HashMap<>();
  /** Clones in progress: project id → the running git and its last progress line. */
  private final Map<String, Clone> clones = new java.util.concurrent.ConcurrentHashMap<>();

  static final class Clone {
    volatile Process process;
    volatile String progress = "starting";
    volatile boolean cancelled;
    /** Completes once the clone has ended and, when cancelled or failed, its directory is gone. */
    final io.vertx.core.Promise<Void> finished = io.vertx.core.Promise.promise();

    /**
     * Stops git and everything it started: a clone's transport (git-remote-http, upload-pack, index-pack)
     * runs in child processes that would otherwise keep downloading and writing into the directory, and keep
     * git's pipes open so the worker never returns.
     */
    void cancel() {
      cancelled = true;
      Process p = process;
      if (p != null) kill(p);
    }

    static void kill(Process p) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  public ProjectServiceImpl(Vertx vertx, ProjectStore store, ProjectViews views, Path dataDir, Sandbox sandbox, OutboundPolicy outbound) {
    this.vertx = vertx;
    this.store = store;
    this.views = views;
    this.dataDir = dataDir;
    this.sandbox = sandbox;
    this.outbound = outbound;
    this.worktrees = new Worktrees(dataDir.resolve("project-scratch"));
    this.git = vertx.createSharedWorkerExecutor("maestro-git", 4);
  }

  /** Fills the sandbox's lookup table; clones cut short by a restart are marked failed. */
  public Future<Void> start() {
    return store.sessions().map(list -> {
      list.forEach(views::put);
      return null;
    }).compose(v -> store.list(null, true)).compose(all -> {
      List<Future<Void>> marks = new ArrayList<>();
      for (JsonObject p : all) {
        if ("cloning".equals(p.getString("status"))) marks.add(store.status(p.getString("id"), "failed", "tool-service restarted during the clone", null));
      }
      return Future.all(marks).mapEmpty();
    });
  }

  public Future<Void> stop() {
    clones.values().forEach(Clone::cancel);
    return git.close();
  }

  // ------------------------------------------------------------------ projects

  @Override
  public Future<List<JsonObject>> listProjects(String userId, boolean admin) {
    return store.list(userId, admin).map(l -> {
      l.forEach(this::withProgress);
      return l;
    });
  }

  @Override
  public Future<JsonObject> getProject(String userId, boolean admin, String projectId) {
    return store.get(userId, admin, projectId).compose(p -> p == null ? notFound("no such project") : Future.succeededFuture(withProgress(p)));
  }

  private JsonObject withProgress(JsonObject p) {
    Clone c = clones.get(p.getString("id"));
    if (c != null) p.put("progress", c.progress);
    return p;
  }

  @Override
  public Future<JsonObject> createProject(JsonObject body) {
    JsonObject b = body == null ? new JsonObject() : body;
    String name = b.getString("name");
    String path = b.getString("path");
    String url = b.getString("gitUrl");
    if (name == null || !NAME.matcher(name).matches()) return bad("name", "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    if ((path == null) == (url == null)) return bad("path", "give exactly one of path (a repository on this host) and gitUrl");
    String branch = b.getString("defaultBranch");
    if (branch != null && !Worktrees.validRef(branch)) return bad("defaultBranch", "is not a valid branch name");
    String id = UUID.randomUUID().toString();
    if (path != null) {
      return git.<JsonObject>executeBlocking(() -> registerPath(id, name, path, branch), false).compose(p -> store.insert(p)
          .recover(this::duplicate).compose(v -> getProject(null, true, id)));
    }
    return git.executeBlocking(() -> checkUrl(url), false).compose(checked -> {
      Path dest = dataDir.resolve("projects").resolve(id).toAbsolutePath().normalize();
      JsonObject p = new JsonObject().put("id", id).put("name", name).put("path", dest.toString()).put("gitUrl", checked)
          .put("cloned", true).put("defaultBranch", branch == null ? "" : branch).put("status", "cloning");
      return store.insert(p).recover(this::duplicate).map(v -> {
        startClone(id, checked, dest, branch);
        return null;
      }).compose(v -> getProject(null, true, id));
    });
  }

  private <T> Future<T> duplicate(Throwable err) {
    if (String.valueOf(err.getMessage()).contains("23505") || String.valueOf(err.getMessage()).toLowerCase().contains("duplicate")) {
      return ServiceException.fail(ErrorCodes.CONFLICT, "a project with that name or path exists already", new JsonObject());
    }
    return Future.failedFuture(err);
  }

  /** An existing repository with a working tree whose git directory is {@code path/.git}: checked, nothing changed. */
  private JsonObject registerPath(String id, String name, String given, String branch) {
    Path p;
    try {
      p = Path.of(given);
    } catch (RuntimeException e) {
      throw badError("path", "is not a valid path");
    }
    if (!p.isAbsolute()) throw badError("path", "must be absolute");
    Path real;
    try {
      real = p.toRealPath();
    } catch (IOException e) {
      throw badError("path", "does not exist on the tool-service host");
    }
    if (real.startsWith(dataDir.toAbsolutePath().normalize())) throw badError("path", "must not be inside Maestro's data directory");
    if (!Files.isDirectory(real.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
      throw badError("path", "is not the top of a git repository with a working tree (no .git directory)");
    }
    String head = Worktrees.commitOf(real.resolve(".git"), "HEAD");
    String def = branch != null ? branch : Worktrees.currentBranch(real.resolve(".git"));
    if (head == null && branch == null) throw badError("path", "the repository has no commit yet");
    if (Worktrees.commitOf(real.resolve(".git"), def) == null) throw badError("defaultBranch", "names no commit in the repository");
    return new JsonObject().put("id", id).put("name", name).put("path", real.toString()).put("cloned", false)
        .put("defaultBranch", def).put("status", "ready");
  }

  /**
   * git URLs that run nothing and reach nothing internal: file:// (a path on this host) and http(s) under the
   * outbound policy (the same SSRF rules as every other URL Maestro fetches). ssh, git://, ext:: and the
   * scp-like form are refused. Blocking (DNS).
   */
  private String checkUrl(String url) {
    String u = url.strip();
    if (u.startsWith("-")) throw badError("gitUrl", "must be a URL");
    URI uri;
    try {
      uri = new URI(u);
    } catch (Exception e) {
      throw badError("gitUrl", "is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    switch (scheme) {
      case "file" -> {
        if (uri.getPath() == null || !uri.getPath().startsWith("/")) throw badError("gitUrl", "file:// needs an absolute path");
        if (!Files.isDirectory(Path.of(uri.getPath()))) throw badError("gitUrl", "names no directory on the tool-service host");
      }
      case "http", "https" -> {
        try {
          outbound.check(u);
        } catch (OutboundRefusedException e) {
          throw badError("gitUrl", e.getMessage());
        }
      }
      default -> throw badError("gitUrl", "must be a file://, http:// or https:// URL (other transports can run commands or need keys)");
    }
    return u;
  }

  private void startClone(String id, String url, Path dest, String branch) {
    Clone c = new Clone();
    clones.put(id, c);
    git.<String>executeBlocking(() -> {
      Files.createDirectories(dest.getParent());
      List<String> args = new ArrayList<>(List.of("clone", "--progress", "--no-local"));
      if (branch != null) args.addAll(List.of("--branch", branch));
      args.addAll(List.of("--", url, dest.toString()));
      Git.Result r = Git.exec(null, null, args, line -> c.progress = line.length() > 200 ? line.substring(0, 200) : line, pr -> {
        c.process = pr;
        if (c.cancelled) Clone.kill(pr);
      });
      if (c.cancelled) throw new Git.GitException(-1, "cancelled");
      if (r.exit() != 0) throw new Git.GitException(r.exit(), "git clone failed: " + Git.firstLines(r.err()));
      return Worktrees.currentBranch(dest.resolve(".git"));
    }, false).onComplete(ar -> {
      clones.remove(id);
      if (c.cancelled) {
        git.executeBlocking(() -> {
          Worktrees.deleteTree(dest);
          return null;
        }, false).<Void>mapEmpty().onComplete(c.finished);
        return;
      }
      if (ar.succeeded()) {
        store.status(id, "ready", null, ar.result());
        c.finished.tryComplete();
      } else {
        git.executeBlocking(() -> {
          Worktrees.deleteTree(dest);
          return null;
        }, false).onComplete(x -> c.finished.tryComplete());
        store.status(id, "failed", ar.cause().getMessage(), null);
      }
    });
  }

  @Override
  public Future<JsonObject> updateProject(String projectId, JsonObject patch) {
    JsonObject p = patch == null ? new JsonObject() : patch;
    String name = p.getString("name");
    String branch = p.getString("defaultBranch");
    if (name != null && !NAME.matcher(name).matches()) return bad("name", "1-64 letters, digits, '.', '_' or '-'");
    if (branch != null && !Worktrees.validRef(branch)) return bad("defaultBranch", "is not a valid branch name");
    for (String k : p.fieldNames()) if (!k.equals("name") && !k.equals("defaultBranch")) return bad(k, "cannot be changed");
    return getProject(null, true, projectId).compose(existing -> {
      Future<Void> check = branch == null ? Future.succeededFuture() : git.executeBlocking(() -> {
        if (Worktrees.commitOf(Path.of(existing.getString("path")).resolve(".git"), branch) == null) {
          throw badError("defaultBranch", "names no commit in the repository");
        }
        return null;
      }, false);
      return check.compose(v -> store.update(projectId, name, branch).recover(this::duplicate));
    }).compose(v -> getProject(null, true, projectId));
  }

  @Override
  public Future<Void> deleteProject(String projectId) {
    return getProject(null, true, projectId).compose(p -> store.sessionCount(projectId).compose(n -> {
      if (n > 0) return ServiceException.<Void>fail(ErrorCodes.CONFLICT, n + " session(s) still work in this project; delete them first", new JsonObject());
      Clone c = clones.get(projectId);
      if (c != null) c.cancel();
      // a cancelled clone removes its own directory once git has died: the answer waits for that, so a 204
      // means no git runs and nothing is left on disk
      Future<Void> removed = c != null ? c.finished.future()
          : p.getBoolean("cloned", false) ? git.executeBlocking(() -> {
            Worktrees.deleteTree(Path.of(p.getString("path")));
            return null;
          }, false) : Future.succeededFuture();
      return removed.compose(v -> store.delete(projectId));
    }));
  }

  @Override
  public Future<JsonObject> setMembers(String projectId, List<String> userIds) {
    List<String> ids = userIds == null ? List.of() : userIds;
    for (String u : ids) if (u == null || u.length() > 100 || u.isBlank()) return bad("userIds", "must be user ids");
    return getProject(null, true, projectId).compose(p -> store.setMembers(projectId, ids)).compose(v -> getProject(null, true, projectId));
  }

  // ------------------------------------------------------------------ sessions

  @Override
  public Future<JsonObject> openSession(String userId, boolean admin, String sessionId, String projectId, String baseRef) {
    if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) return bad("sessionId", "is not a session id");
    if (baseRef != null && !Worktrees.validRef(baseRef)) return bad("baseRef", "is not a valid git ref");
    return getProject(userId, admin, projectId).compose(p -> {
      if (!"ready".equals(p.getString("status"))) {
        return ServiceException.<SessionTree>fail(ErrorCodes.CONFLICT, "the project is not ready (" + p.getString("status") + ")", new JsonObject());
      }
      Path gitDir = Path.of(p.getString("path")).resolve(".git");
      String ref = baseRef != null ? baseRef : p.getString("defaultBranch");
      Path worktree = dataDir.resolve("workspaces").resolve(sessionId).toAbsolutePath().normalize();
      return serial(sessionId, () -> {
        String base = Worktrees.commitOf(gitDir, ref);
        if (base == null) throw badError("baseRef", "names no commit in the project's repository");
        SessionTree t = new SessionTree(sessionId, projectId, p.getString("name"), gitDir, worktree, SessionTree.branchFor(sessionId), ref, base);
        worktrees.create(t);
        try {
          if (sandbox != null && sandbox.foreignUid() >= 0) {
            ownAll(worktree);
            ownAll(t.privateGitDir());
          }
        } catch (IOException e) {
          LOG.warn("session {}: cannot hand the worktree to the sandbox's uid: {}", sessionId, e.getMessage());
        }
        return t;
      }).compose(t -> store.insertSession(userId, t).map(v -> {
        views.put(t);
        return t;
      }).recover(err -> serial(sessionId, () -> {
        worktrees.remove(t);
        return null;
      }).transform(x -> Future.<SessionTree>failedFuture(err))));
    }).compose(t -> sessionProject(sessionId));
  }

  @Override
  public Future<JsonObject> sessionProject(String sessionId) {
    return store.sessionRow(sessionId).map(r -> r == null ? new JsonObject() : r);
  }

  @Override
  public Future<Void> closeSession(String sessionId) {
    return store.tree(sessionId).compose(t -> {
      if (t == null) return Future.succeededFuture();
      views.remove(sessionId);
      return serial(sessionId, () -> {
        worktrees.remove(t);
        return null;
      }).compose(v -> store.deleteSession(sessionId));
    });
  }

  private Future<SessionTree> tree(String sessionId) {
    return store.tree(sessionId).compose(t -> t == null ? notFound("this session has no project") : Future.succeededFuture(t));
  }

  @Override
  public Future<JsonObject> beforeTurn(String sessionId, String turnId) {
    return store.tree(sessionId).compose(t -> {
      if (t == null) return Future.succeededFuture(new JsonObject());
      String cid = UUID.randomUUID().toString();
      return serial(sessionId, () -> {
        String commit = worktrees.checkpoint(t, cid, turnId);
        List<String> changed = worktrees.changedSince(t, t.branchRef());
        JsonArray rules = AgentsRules.read(Workspace.forSession(dataDir, sessionId), changed);
        return new JsonObject().put("checkpointId", cid).put("commit", commit).put("rules", rules);
      }).compose(r -> store.insertCheckpoint(cid, sessionId, turnId, r.getString("commit")).compose(v -> {
        JsonArray paths = new JsonArray();
        r.getJsonArray("rules").forEach(o -> paths.add(((JsonObject) o).getString("path")));
        return store.rules(sessionId, paths);
      }).map(v -> {
        r.remove("commit");
        return r;
      }));
    });
  }

  @Override
  public Future<JsonObject> afterTurn(String sessionId, String turnId) {
    return store.tree(sessionId).compose(t -> {
      if (t == null) return Future.succeededFuture(new JsonObject());
      return store.checkpointOfTurn(sessionId, turnId).compose(cp -> {
        if (cp == null) return Future.succeededFuture(new JsonObject().put("files", new JsonArray()));
        return serial(sessionId, () -> worktrees.changedSince(t, cp.getString("commit"))).compose(files -> {
          JsonArray list = new JsonArray(new ArrayList<>(files));
          return store.filesChanged(cp.getString("id"), list).map(v -> new JsonObject().put("checkpointId", cp.getString("id")).put("files", list));
        });
      });
    });
  }

  @Override
  public Future<List<JsonObject>> checkpoints(String sessionId) {
    return tree(sessionId).compose(t -> store.checkpoints(sessionId)).map(l -> {
      l.forEach(c -> c.remove("commit"));
      return l;
    });
  }

  @Override
  public Future<JsonObject> restore(String sessionId, String checkpointId) {
    return tree(sessionId).compose(t -> store.checkpoint(sessionId, checkpointId).compose(cp -> {
      if (cp == null) return notFound("no such checkpoint");
      return serial(sessionId, () -> handBack(t, worktrees.restore(t, cp.getString("commit"))))
          .map(files -> new JsonObject().put("checkpointId", checkpointId).put("files", new JsonArray(new ArrayList<>(files))));
    }));
  }

  @Override
  public Future<JsonObject> changes(String sessionId) {
    return tree(sessionId).compose(t -> serial(sessionId, () -> worktrees.changes(t)));
  }

  @Override
  public Future<JsonObject> commit(String sessionId, String message, JsonObject author) {
    if (message == null || message.isBlank()) return bad("message", "is required");
    String name = author == null ? "Maestro user" : author.getString("name", "Maestro user");
    String email = author == null ? "maestro@localhost" : author.getString("email", "maestro@localhost");
    return tree(sessionId).compose(t -> serial(sessionId, () -> worktrees.commit(t, message, name, email))
        .map(c -> new JsonObject().put("commit", c).put("branch", t.branch())));
  }

  @Override
  public Future<JsonObject> discard(String sessionId) {
    return tree(sessionId).compose(t -> serial(sessionId, () -> handBack(t, worktrees.restore(t, worktrees.tip(t)))))
        .map(files -> new JsonObject().put("files", new JsonArray(new ArrayList<>(files))));
  }

  // ------------------------------------------------------------------ helpers

  /** Files git wrote as root go back to the sandbox's uid. */
  private <T> T handBack(SessionTree t, T result) throws IOException {
    if (sandbox != null && sandbox.foreignUid() >= 0) ownAll(t.worktree());
    return result;
  }

  /** Hands a directory tree (links not followed) to the sandbox's uid, so its commands can edit the worktree. */
  private void ownAll(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Files.setAttribute(p, "unix:uid", sandbox.foreignUid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", sandbox.foreignUid(), LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  /** Runs work on the git worker after the session's previous git work; git's own failures become service failures. */
  private <T> Future<T> serial(String sessionId, Callable<T> work) {
    Future<?> prev = tails.getOrDefault(sessionId, Future.succeededFuture());
    Future<T> next = prev.transform(ar -> git.executeBlocking(work, false)).recover(ProjectServiceImpl::mapGit);
    tails.put(sessionId, next);
    next.onComplete(ar -> tails.remove(sessionId, next));
    return next;
  }

  private static <T> Future<T> mapGit(Throwable err) {
    if (err instanceof Git.GitException g && g.exit == 409) return ServiceException.fail(ErrorCodes.CONFLICT, g.getMessage(), new JsonObject());
    return Future.failedFuture(err);
  }

  private static <T> Future<T> notFound(String why) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, why, new JsonObject());
  }

  private static <T> Future<T> bad(String field, String message) {
    return Future.failedFuture(badError(field, message));
  }

  static ServiceException badError(String field, String message) {
    return new ServiceException(ErrorCodes.BAD_REQUEST, field + " " + message, new JsonObject()
        .put("errors", new JsonArray().add(new JsonObject().put("field", field).put("message", message))));
  }
}
