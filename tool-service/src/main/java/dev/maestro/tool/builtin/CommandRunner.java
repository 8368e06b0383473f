package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolError;
import dev.maestro.tool.exec.ToolResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * run_command: bash in the workspace under the {@link Sandbox} (refused when it cannot run), stdout+stderr merged, streamed as
 * progress, capped, with a wall-clock timeout. The command runs in its own session (setsid), so
 * on timeout, cancel, or when the main process ends, the whole process group is SIGKILLed along
 * with every descendant: nothing it started is left behind.
 *
 * <p>Nothing here blocks the caller's event loop: starting the process, reading its output (a blocking
 * stream for the command's whole life) and the kill (which waits for {@code kill}) run on a Vert.x worker
 * pool of its own, and the timeout is a Vert.x timer. The pool is separate from the default worker pool
 * because each running command holds one of its threads until it ends, and its execute-time limit is
 * long so that a command legitimately running for minutes is not reported as a blocked thread.
 */
public final class CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  /** Commands that can run at once before further ones queue for a reader thread. */
  static final int MAX_RUNNING = 64;

  private final Vertx vertx;
  private final WorkerExecutor io;
  private final Sandbox sandbox;
  private final int outputCap;
  private final Supplier<Map<String, String>> baseEnv;

  public CommandRunner(Vertx vertx, Sandbox sandbox, int outputCap, Supplier<Map<String, String>> baseEnv) {
    this.vertx = vertx;
    this.io = vertx.createSharedWorkerExecutor("maestro-run-command", MAX_RUNNING, 1, TimeUnit.DAYS);
    this.sandbox = sandbox;
    this.outputCap = outputCap;
    this.baseEnv = baseEnv;
  }

  public Sandbox sandbox() {
    return sandbox;
  }

  private enum End { EXITED, TIMEOUT, CANCELLED }

  private record Output(ByteArrayOutputStream kept, long total, int exit) {}

  public Future<ToolResult> run(Workspace ws, String command, int timeoutSeconds, CallContext ctx) {
    return run(ws, Sandbox.View.workspace(ws.root()), Map.of(), command, timeoutSeconds, ctx);
  }

  /** As above with the session's own view (a project worktree adds its git directory) and extra environment. */
  public Future<ToolResult> run(Workspace ws, Sandbox.View view, Map<String, String> extraEnv, String command, int timeoutSeconds,
                                CallContext ctx) {
    List<String> argv = new ArrayList<>(List.of("setsid"));
    try {
      argv.addAll(sandbox.wrap(view, List.of("bash", "-c", command)));
    } catch (ToolError refused) {
      return Future.succeededFuture(ToolResult.error("run_command " + refused.getMessage()));
    }
    ProcessBuilder pb = new ProcessBuilder(argv).directory(ws.root().toFile()).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(EnvScrubber.scrub(baseEnv.get()));
    pb.environment().put("HOME", ws.root().toString());
    pb.environment().put("PWD", ws.root().toString());
    pb.environment().putAll(extraEnv);
    sandbox.environment(pb.environment());
    return io.executeBlocking(() -> start(pb), false).transform(started -> started.succeeded()
        ? supervise(started.result(), timeoutSeconds, ctx)
        : Future.succeededFuture(ToolResult.error("could not start the command: " + started.cause().getMessage())));
  }

  private static Process start(ProcessBuilder pb) throws IOException {
    Process process = ProcessLauncher.start(pb);
    try {
      process.getOutputStream().close(); // no stdin: a command waiting for input sees EOF
    } catch (IOException ignored) {
      // already closed
    }
    return process;
  }

  private Future<ToolResult> supervise(Process process, int timeoutSeconds, CallContext ctx) {
    AtomicReference<End> end = new AtomicReference<>();
    ctx.onCancel(() -> {
      if (end.compareAndSet(null, End.CANCELLED)) killTreeOffLoop(process);
    });
    // The main process ending also ends its group: background children would otherwise outlive the call.
    process.onExit().thenRun(() -> {
      end.compareAndSet(null, End.EXITED);
      killTreeOffLoop(process);
    });
    long timer = vertx.setTimer(Math.max(1L, timeoutSeconds * 1000L), id -> {
      if (end.compareAndSet(null, End.TIMEOUT)) killTreeOffLoop(process);
    });
    return io.executeBlocking(() -> readAll(process, ctx), false)
        .onComplete(ar -> vertx.cancelTimer(timer))
        .map(out -> result(out, end.get(), timeoutSeconds));
  }

  /** Blocking: reads until the output closes (the tree is dead), keeping at most outputCap bytes. */
  private Output readAll(Process process, CallContext ctx) {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    long total = 0;
    byte[] buf = new byte[8192];
    try (InputStream in = process.getInputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        int room = outputCap - kept.size();
        if (room > 0) {
          int take = Math.min(room, n);
          kept.write(buf, 0, take);
          ctx.progress(new String(buf, 0, take, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      LOG.debug("run_command {} output closed: {}", ctx.callId(), e.getMessage());
    }
    int exit;
    try {
      exit = process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit = -1;
    }
    return new Output(kept, total, exit);
  }

  private ToolResult result(Output out, End end, int timeoutSeconds) {
    StringBuilder sb = new StringBuilder(out.kept().toString(StandardCharsets.UTF_8));
    if (out.total() > out.kept().size()) {
      sb.append("\n[output truncated: ").append(out.total()).append(" bytes, only the first ").append(outputCap).append(" kept]");
    }
    if (end == End.TIMEOUT) {
      sb.append("\n[command timed out after ").append(timeoutSeconds).append(" s; the process tree was killed]");
      return ToolResult.error(sb.toString().stripLeading());
    }
    if (end == End.CANCELLED) {
      sb.append("\n[command cancelled; the process tree was killed]");
      return ToolResult.error(sb.toString().stripLeading());
    }
    sb.append("\n[exit code ").append(out.exit()).append("]");
    return out.exit() == 0 ? ToolResult.text(sb.toString()) : ToolResult.error(sb.toString());
  }

  /**
   * The kill waits for the {@code kill} process, so it runs on a worker, never on the caller's thread; on the
   * default worker pool, not the readers' one, so that a full reader pool cannot hold up the kill that would free it.
   */
  private void killTreeOffLoop(Process process) {
    vertx.executeBlocking(() -> {
      killTree(process);
      return null;
    }, false);
  }

  /** SIGKILL to the process group (setsid made pid == pgid), then to any descendant that left it. */
  static void killTree(Process process) {
    long pid = process.pid();
    try {
      Process k = new ProcessBuilder("kill", "-KILL", "--", "-" + pid).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      k.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      LOG.warn("kill of process group {} failed: {}", pid, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
