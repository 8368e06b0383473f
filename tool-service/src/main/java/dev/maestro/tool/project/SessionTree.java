package dev.maestro.tool.project;

import java.nio.file.Path;

/**
 * One session's worktree of a project: the repository's git directory ({@code <repo>/.git}), the worktree
 * (the session's workspace directory), its private git directory ({@code <repo>/.git/worktrees/<session>})
 * and the branch {@code maestro/<first 8 of the session id>} it was made on from {@code baseCommit}.
 */
public record SessionTree(String sessionId, String projectId, String projectName, Path gitDir, Path worktree,
                          String branch, String baseRef, String baseCommit) {

  public Path privateGitDir() {
    return gitDir.resolve("worktrees").resolve(sessionId);
  }

  /** Where git inside the sandbox writes new objects: the shared object store stays read-only there. */
  public Path privateObjects() {
    return privateGitDir().resolve("maestro-objects");
  }

  public String branchRef() {
    return "refs/heads/" + branch;
  }

  public static String branchFor(String sessionId) {
    return "maestro/" + sessionId.substring(0, Math.min(8, sessionId.length()));
  }
}
