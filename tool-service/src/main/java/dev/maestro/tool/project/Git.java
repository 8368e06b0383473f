package dev.maestro.tool.project;

import dev.maestro.tool.builtin.EnvScrubber;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the real {@code git} executable. Blocking: only ever called from a worker thread.
 * <p>Every run carries settings that keep a repository's contents from running code in tool-service:
 * no hooks ({@code core.hooksPath=/dev/null}: {@code worktree add} would run post-checkout,
 * {@code update-ref} reference-transaction), no fsmonitor command, and transports limited to
 * {@code file}, {@code http} and {@code https} ({@code ext::} and friends run commands), without
 * redirects (an http(s) URL checked against the outbound policy must not bounce somewhere else).
 * The environment is the scrubbed service environment without any inherited {@code GIT_*} variable,
 * so only what a caller passes (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE) steers git.
 */
final class Git {
  static final List<String> SAFETY = List.of("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
      "-c", "protocol.allow=never", "-c", "protocol.file.allow=always", "-c", "protocol.http.allow=always",
      "-c", "protocol.https.allow=always", "-c", "http.followRedirects=false", "-c", "core.quotePath=false",
      "-c", "advice.detachedHead=false", "-c", "gc.auto=0");
  static final long TIMEOUT_SECONDS = 300;

  private Git() {}

  /** A failed git command: exit code and the first lines of what it wrote to stderr. */
  static final class GitException extends RuntimeException {
    final int exit;

    GitException(int exit, String message) {
      super(message);
      this.exit = exit;
    }
  }

  record Result(int exit, String out, String err) {}

  /** git args in cwd with extra env; stdout, or GitException when git fails. */
  static String run(Path cwd, Map<String, String> env, List<String> args) {
    Result r = exec(cwd, env, args, null, null);
    if (r.exit != 0) throw new GitException(r.exit, "git " + args.get(0) + " failed: " + firstLines(r.err));
    return r.out;
  }

  static String run(Path cwd, Map<String, String> env, String... args) {
    return run(cwd, env, List.of(args));
  }

  /**
   * One git run. {@code stderrLines} (optional) gets each line of stderr as it comes (git's progress
   * separates updates with CR); {@code started} (optional) gets the process so a caller can cancel it.
   */
  static Result exec(Path cwd, Map<String, String> env, List<String> args, Consumer<String> stderrLines,
                     Consumer<Process> started) {
    List<String> argv = new ArrayList<>();
    argv.add("git");
    argv.addAll(SAFETY);
    argv.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(argv);
    if (cwd != null) pb.directory(cwd.toFile());
    Map<String, String> e = pb.environment();
    e.clear();
    e.putAll(EnvScrubber.scrub(System.getenv()));
    e.keySet().removeIf(k -> k.startsWith("GIT_"));
    e.put("GIT_TERMINAL_PROMPT", "0");
    e.put("GIT_ASKPASS", "/bin/false");
    e.put("LC_ALL", "C");
    if (env != null) e.putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException ex) {
      throw new GitException(-1, "cannot run git (is it installed?): " + ex.getMessage());
    }
    if (started != null) started.accept(p);
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // no stdin for git
    }
    // stderr on its own thread (not a shared pool): a git that fills the stderr pipe must never wait for a free thread
    CompletableFuture<String> err = new CompletableFuture<>();
    Thread errReader = new Thread(() -> err.complete(readErr(p.getErrorStream(), stderrLines)), "git-stderr");
    errReader.setDaemon(true);
    errReader.start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException ex) {
      out = "";
    }
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new GitException(-1, "git " + args.get(0) + " did not finish in " + TIMEOUT_SECONDS + " s");
      }
      return new Result(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new GitException(-1, "interrupted");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
      return new Result(p.exitValue(), out, "");
    }
  }

  private static String readErr(InputStream in, Consumer<String> lines) {
    StringBuilder all = new StringBuilder();
    StringBuilder line = new StringBuilder();
    try (in) {
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n' || c == '\r') {
          if (lines != null && line.length() > 0) lines.accept(line.toString());
          line.setLength(0);
        } else {
          line.append((char) c);
        }
        if (all.length() < 16_384) all.append((char) c);
      }
      if (lines != null && line.length() > 0) lines.accept(line.toString());
    } catch (IOException ignored) {
      // the process ended
    }
    return all.toString();
  }

  static String firstLines(String err) {
    String t = err == null ? "" : err.strip();
    String[] lines = t.split("\r?\n|\r");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(lines.length, 4); i++) {
      if (sb.length() > 0) sb.append(" / ");
      sb.append(lines[i].strip());
    }
    return sb.length() > 600 ? sb.substring(0, 600) : sb.toString();
  }
}
