package dev.maestro.tool.builtin;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Starts every sandboxed process from one thread that lives as long as the JVM. bubblewrap's
 * {@code --die-with-parent} is PR_SET_PDEATHSIG, which fires when the <em>thread</em> that forked the
 * process ends, not the process: started from a pooled thread (Reactor's bounded-elastic drops idle
 * threads after 60 s), an MCP server would be SIGKILLed a minute later. From this thread the signal
 * comes only when tool-service itself dies, which is what we want.
 */
public final class ProcessLauncher {
  private record Request(ProcessBuilder builder, CompletableFuture<Process> result) {}

  private static final LinkedBlockingQueue<Request> QUEUE = new LinkedBlockingQueue<>();

  static {
    Thread t = new Thread(ProcessLauncher::loop, "maestro-process-launcher");
    t.setDaemon(true);
    t.start();
  }

  private ProcessLauncher() {}

  private static void loop() {
    while (true) {
      Request r;
      try {
        r = QUEUE.take();
      } catch (InterruptedException e) {
        continue;   // this thread must never end (see the class comment)
      }
      try {
        r.result().complete(r.builder().start());
      } catch (Throwable e) {
        r.result().completeExceptionally(e);
      }
    }
  }

  /** Starts the process on the launcher thread; blocks the caller until it has started (or failed). */
  public static Process start(ProcessBuilder builder) throws IOException {
    CompletableFuture<Process> f = new CompletableFuture<>();
    QUEUE.add(new Request(builder, f));
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting a process");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }
}
