package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolError;
import dev.maestro.tool.exec.ToolResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
 * with every descendant: nothing it started is left behind. Output is read on a dedicated thread,
 * never on the event loop.
 */
public final class CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);

  private final Sandbox sandbox;
  private final int outputCap;
  private final Supplier<Map<String, String>> baseEnv;

  public CommandRunner(Sandbox sandbox, int outputCap, Supplier<Map<String, String>> baseEnv) {
    this.sandbox = sandbox;
    this.outputCap = outputCap;
    this.baseEnv = baseEnv;
  }

  public Sandbox sandbox() {
    return sandbox;
  }

  private enum End { EXITED, TIMEOUT, CANCELLED }

  public Future<ToolResult> run(Workspace ws, String command, int timeoutSeconds, CallContext ctx) {
    return run(ws, Sandbox.View.workspace(ws.root()), Map.of(), command, timeoutSeconds, ctx);
  }

  /** As above with the session's own view (a project worktree adds its git directory) and extra environment. */
  public Future<ToolResult> run(Workspace ws, Sandbox.View view, Map<String, String> extraEnv, String command, int timeoutSeconds,
                                CallContext ctx) {
    Promise<ToolResult> promise = Promise.promise();
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
    Process process;
    try {
      process = ProcessLauncher.start(pb);
    } catch (IOException e) {
      return Future.succeededFuture(ToolResult.error("could not start the command: " + e.getMessage()));
    }
    try {
      process.getOutputStream().close(); // no stdin: a command waiting for input sees EOF
    } catch (IOException ignored) {
      // already closed
    }
    AtomicReference<End> end = new AtomicReference<>();
    Runnable killTree = () -> killTree(process);
    ctx.onCancel(() -> {
      if (end.compareAndSet(null, End.CANCELLED)) killTree.run();
    });
    // The main process ending also ends its group: background children would otherwise outlive the call.
    process.onExit().thenRun(() -> {
      end.compareAndSet(null, End.EXITED);
      killTree.run();
    });
    Thread watchdog = new Thread(() -> {
      try {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS) && end.compareAndSet(null, End.TIMEOUT)) killTree.run();
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    }, "run_command-timeout-" + ctx.callId());
    watchdog.setDaemon(true);
    watchdog.start();
    Thread reader = new Thread(() -> {
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
      watchdog.interrupt();
      promise.complete(result(kept, total, exit, end.get(), timeoutSeconds));
    }, "run_command-output-" + ctx.callId());
    reader.setDaemon(true);
    reader.start();
    return promise.future();
  }

  private ToolResult result(ByteArrayOutputStream kept, long total, int exit, End end, int timeoutSeconds) {
    StringBuilder sb = new StringBuilder(kept.toString(StandardCharsets.UTF_8));
    if (total > kept.size()) {
      sb.append("\n[output truncated: ").append(total).append(" bytes, only the first ").append(outputCap).append(" kept]");
    }
    if (end == End.TIMEOUT) {
      sb.append("\n[command timed out after ").append(timeoutSeconds).append(" s; the process tree was killed]");
      return ToolResult.error(sb.toString().stripLeading());
    }
    if (end == End.CANCELLED) {
      sb.append("\n[command cancelled; the process tree was killed]");
      return ToolResult.error(sb.toString().stripLeading());
    }
    sb.append("\n[exit code ").append(exit).append("]");
    return exit == 0 ? ToolResult.text(sb.toString()) : ToolResult.error(sb.toString());
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
