package dev.maestro.tool.mcp;

import dev.maestro.tool.builtin.ProcessLauncher;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.ProtocolVersions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * MCP over stdio to a server process we start ourselves (newline-delimited JSON-RPC on stdin/stdout,
 * stderr to the log). Replaces the SDK's stdio transport because the process must be started by
 * {@link ProcessLauncher} (bubblewrap's --die-with-parent is bound to the starting thread, and the SDK
 * starts it on a pooled Reactor thread) and because a failed start must fail {@code connect} at once.
 */
final class StdioServerTransport implements McpClientTransport {
  private static final Logger LOG = LoggerFactory.getLogger(StdioServerTransport.class);
  /** A line longer than this from the server is a broken or hostile server: it is dropped. */
  private static final int MAX_LINE = 16 * 1024 * 1024;

  private final List<String> argv;
  private final Map<String, String> env;
  private final Path workdir;
  private final McpJsonMapper mapper;
  private final Consumer<String> stderr;
  private volatile Process process;
  private volatile OutputStream stdin;
  /** The SDK sends initialize right after subscribing to connect: messages wait for the process to be up. */
  private final java.util.concurrent.CompletableFuture<OutputStream> started = new java.util.concurrent.CompletableFuture<>();
  /** One writer thread per server: messages reach stdin in the order they were sent (initialized before tools/list). */
  private final java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "mcp-stdio-writer");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closing;
  /** Who gets the server's messages; a second connect hands the running process over (see {@link #connect}). */
  private volatile Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler;
  private volatile Consumer<Throwable> exceptionHandler = t -> { };

  StdioServerTransport(List<String> argv, Map<String, String> env, Path workdir, McpJsonMapper mapper, Consumer<String> stderr) {
    this.argv = argv;
    this.env = env;
    this.workdir = workdir;
    this.mapper = mapper;
    this.stderr = stderr;
  }

  /**
   * Starts the process; once it runs, a later connect only hands its messages to the new handler: the
   * 2026-07-28 probe ({@code server/discover}, {@link StatelessStdioClient}) gives a 2025 server that answered
   * it to the SDK's client for {@code initialize}, without starting the server again.
   */
  @Override
  public synchronized Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
    boolean handOver = this.handler != null;
    this.handler = handler;
    if (handOver) return started.isCompletedExceptionally() ? Mono.error(new IllegalStateException("the MCP server connection is closed"))
        : Mono.empty();
    return Mono.<Void>fromCallable(() -> {
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.environment().clear();
      pb.environment().putAll(env);
      if (workdir != null) pb.directory(workdir.toFile());
      Process p;
      try {
        p = ProcessLauncher.start(pb);
      } catch (IOException e) {
        started.completeExceptionally(e);
        throw e;
      }
      process = p;
      stdin = p.getOutputStream();
      reader(p).start();
      Thread err = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) stderr.accept(line.length() > 2000 ? line.substring(0, 2000) : line);
        } catch (IOException ignored) {
          // process gone
        }
      }, "mcp-stdio-stderr");
      err.setDaemon(true);
      err.start();
      started.complete(stdin);
      return null;
    }).subscribeOn(Schedulers.boundedElastic());
  }

  private Thread reader(Process p) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.isBlank() || line.length() > MAX_LINE) continue;
          JSONRPCMessage msg;
          try {
            msg = McpSchema.deserializeJsonRpcMessage(mapper, line);
          } catch (IOException | RuntimeException e) {
            LOG.debug("MCP stdio server sent a line that is not JSON-RPC: {}", e.getMessage());
            continue;
          }
          this.handler.apply(Mono.just(msg)).subscribe(v -> { }, e -> LOG.debug("MCP stdio message handling failed: {}", e.getMessage()));
        }
      } catch (IOException e) {
        if (!closing) LOG.debug("MCP stdio server output closed: {}", e.getMessage());
      }
      // No exception handler call: the SDK only logs it; the connection's ping notices the dead server.
    }, "mcp-stdio-reader");
    t.setDaemon(true);
    return t;
  }

  @Override
  public Mono<Void> sendMessage(JSONRPCMessage message) {
    return Mono.create(sink -> {
      try {
        writer.execute(() -> {
          try {
            OutputStream out = started.get();
            out.write((mapper.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            sink.success();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sink.error(new IllegalStateException("interrupted while writing to the MCP server"));
          } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            sink.error(new IllegalStateException("cannot write to the MCP server process: " + cause.getMessage(), cause));
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        sink.error(new IllegalStateException("the MCP server connection is closed"));
      }
    });
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    this.exceptionHandler = handler == null ? t -> { } : handler;
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.<Void>fromRunnable(this::stop).subscribeOn(Schedulers.boundedElastic());
  }

  /** Closes stdin (the MCP way to ask a stdio server to stop), waits briefly, then kills the whole tree. */
  private void stop() {
    closing = true;
    started.completeExceptionally(new IllegalStateException("the MCP server connection is closed"));
    writer.shutdown();
    Process p = process;
    if (p == null) return;
    try {
      OutputStream out = stdin;
      if (out != null) out.close();
    } catch (IOException ignored) {
      // already closed
    }
    try {
      if (!p.waitFor(2, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return mapper.convertValue(data, typeRef);
  }

  @Override
  public List<String> protocolVersions() {
    return List.of(ProtocolVersions.MCP_2024_11_05, ProtocolVersions.MCP_2025_03_26,
        ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_11_25);
  }
}
