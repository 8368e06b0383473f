package dev.maestro.tool.exec;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One running call: who it is for, how long it may take, where progress goes, and a hook the
 * executor sets so that a timeout or cancelCall can stop the work (kill the process tree, send
 * notifications/cancelled).
 */
public final class CallContext {
  private final String callId;
  private final String sessionId;
  private final int timeoutSeconds;
  private final Consumer<String> progress;
  private final AtomicReference<Runnable> canceller = new AtomicReference<>();
  private volatile boolean cancelled;
  private volatile String workspaceId;

  public CallContext(String callId, String sessionId, int timeoutSeconds, Consumer<String> progress) {
    this.callId = callId;
    this.sessionId = sessionId;
    this.timeoutSeconds = timeoutSeconds;
    this.progress = progress;
  }

  public String callId() { return callId; }
  public String sessionId() { return sessionId; }
  /** Whose workspace the built-in tools use: the session's own, or (a sub-agent's call) its parent's. */
  public String workspaceId() { return workspaceId == null ? sessionId : workspaceId; }

  /** Set by tool-service from the call's {@code workspaceId} (sent by session-service, never by a model). */
  public CallContext useWorkspace(String id) {
    this.workspaceId = id;
    return this;
  }
  public int timeoutSeconds() { return timeoutSeconds; }
  public boolean cancelled() { return cancelled; }

  public void progress(String text) {
    if (progress != null && text != null && !text.isEmpty()) progress.accept(text);
  }

  /** Registers what to do on cancel; runs it at once if the call was already cancelled. */
  public void onCancel(Runnable r) {
    canceller.set(r);
    if (cancelled) r.run();
  }

  public void cancel() {
    cancelled = true;
    Runnable r = canceller.getAndSet(null);
    if (r != null) r.run();
  }
}
