package dev.maestro.tool.mcp;

import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.tool.ToolResults;
import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * tools/call on a server of the 2026-07-28 revision, with the Tasks extension
 * (github.com/modelcontextprotocol/ext-tasks, specification/draft/tasks.md, schema/draft/schema.ts):
 * the server may answer a call with a task handle ({@code resultType: "task"}); then the call is polled
 * with {@code tasks/get} at the server's {@code pollIntervalMs} (its {@code statusMessage} goes to the user
 * as progress) until {@code completed} (the tool's result), {@code failed} or {@code cancelled}. A poll
 * that fails (the server restarting, the network) is retried with the same task id, which stays valid on
 * the server: the call resumes where it was. A cancelled call (user, session, timeout) sends
 * {@code tasks/cancel} for a task, or closes the request's stream for a plain call (this revision's
 * cancellation on HTTP). A call answered {@code resultType: "input_required"} (SEP-2322) has its
 * {@code inputRequests} answered ({@link InputRequests}) and is sent again, a new request with the same
 * arguments plus {@code inputResponses} and the server's {@code requestState} echoed unchanged (none when it
 * sent none), for at most {@link InputRequests#MAX_ROUNDS} rounds. A task whose status becomes
 * {@code input_required} (tasks.md, "Task Update Requests") carries its outstanding {@code inputRequests} in the
 * tasks/get answer: each key not seen before is answered the same way (keys are unique over a task's life, so a
 * request repeated by later polls is asked once) and the answers go back with {@code tasks/update}
 * ({@code taskId}, {@code inputResponses}); polling goes on meanwhile until the task ends. A question the user
 * declines or dismisses ends the call: the answer is still delivered, then the task is cancelled.
 */
final class StatelessToolCalls {
  private static final Logger LOG = LoggerFactory.getLogger(StatelessToolCalls.class);
  static final long MIN_POLL_MS = 50;
  static final long MAX_POLL_MS = 5_000;
  static final long DEFAULT_POLL_MS = 1_000;
  /** Failed polls in a row before the call is given up (each waits longer). */
  static final int MAX_POLL_FAILURES = 5;

  private final Context context;
  private final String server;
  private final McpAuthState auth;
  private final McpResults results;
  private final InputRequests inputs;

  StatelessToolCalls(Context context, String server, McpAuthState auth, McpResults results, InputRequests inputs) {
    this.context = context;
    this.server = server;
    this.auth = auth;
    this.results = results;
    this.inputs = inputs;
  }

  /** One call in flight. Touched on the owning context only. */
  private final class Call {
    final StatelessPeer peer;
    final String remoteName;
    final JsonObject args;
    final String token;
    final CallContext ctx;
    final Consumer<McpSchema.ProgressNotification> progress;
    final Runnable onFailure;
    final Promise<ToolResult> promise = Promise.promise();
    Disposable request;
    String taskId;
    String lastMessage;
    long timer = -1;
    /** The timer of a tasks/update sent again. */
    long updateTimer = -1;
    int failures;
    int rounds;
    /** inputRequests keys of the task already asked (answered or being answered): never asked twice. */
    final Set<String> askedKeys = new HashSet<>();
    int updateFailures;

    Call(StatelessPeer peer, String remoteName, JsonObject args, String token, CallContext ctx,
         Consumer<McpSchema.ProgressNotification> progress, Runnable onFailure) {
      this.peer = peer;
      this.remoteName = remoteName;
      this.args = args;
      this.token = token;
      this.ctx = ctx;
      this.progress = progress;
      this.onFailure = onFailure;
    }
  }

  /** {@code progress}: notifications/progress on the call's stream; {@code token} is the call's progress token. */
  Future<ToolResult> call(StatelessPeer peer, String remoteName, JsonObject args, String token, CallContext ctx,
                          Consumer<McpSchema.ProgressNotification> progress, Runnable onFailure) {
    Call call = new Call(peer, remoteName, args, token, ctx, progress, onFailure);
    Promise<ToolResult> promise = call.promise;
    send(call, null, null);
    ctx.onCancel(() -> context.runOnContext(v -> {
      if (promise.future().isComplete()) return;
      stop(call);
      if (call.taskId != null) cancelTask(peer, call.taskId);
      promise.tryComplete(ToolResult.error(ToolResults.CALL_CANCELLED));
    }));
    return promise.future().onComplete(ar -> stop(call));
  }

  /** tools/call, a new request each round; {@code inputResponses}/{@code requestState} only in a retry that has them. */
  private void send(Call call, Map<String, Object> inputResponses, Object requestState) {
    StatelessPeer peer = call.peer;
    Map<String, Object> arguments = PlainJson.of(call.args);
    Map<String, Object> params = new java.util.LinkedHashMap<>();
    params.put("name", call.remoteName);
    params.put("arguments", arguments);
    params.put("_meta", Map.of("progressToken", call.token));
    if (inputResponses != null) params.put("inputResponses", inputResponses);
    if (requestState != null) params.put("requestState", requestState);
    call.request = peer.wire().request("tools/call", call.remoteName, params, peer.paramHeaders(call.remoteName, arguments), n -> {
          if ("notifications/progress".equals(n.get("method")) && n.get("params") != null) {
            call.progress.accept(peer.wire().mapper().convertValue(n.get("params"), McpSchema.ProgressNotification.class));
          }
        })
        .subscribeOn(Schedulers.boundedElastic()).subscribe(
            r -> context.runOnContext(v -> answered(peer, call, r, call.ctx, call.promise)),
            err -> context.runOnContext(v -> failed(err, call.promise, call.onFailure)));
  }

  private void answered(StatelessPeer peer, Call call, Map<String, Object> r, CallContext ctx, Promise<ToolResult> promise) {
    if (promise.future().isComplete()) return;
    String type = StatelessPeer.resultType(r);
    if ("task".equals(type) && r.get("taskId") instanceof String id) {
      call.taskId = id;
      task(peer, call, r, ctx, promise);
    } else if ("complete".equals(type)) {
      promise.tryComplete(toolResult(peer, r));
    } else if ("input_required".equals(type)) {
      inputRequired(call, r);
    } else {
      promise.tryComplete(ToolResult.error("MCP server '" + server + "' answered the call with resultType '" + cut(type)
          + "', which Maestro does not take"));
    }
  }

  /** The server needs answers before it can finish: ask, then call again with them (a new round). */
  private void inputRequired(Call call, Map<String, Object> r) {
    if (++call.rounds > InputRequests.MAX_ROUNDS) {
      call.promise.tryComplete(ToolResult.error("MCP server '" + server + "' kept asking for input (more than "
          + InputRequests.MAX_ROUNDS + " rounds); the call was given up"));
      return;
    }
    Object state = r.get("requestState");   // opaque: echoed exactly, never looked into
    inputs.answer(call.ctx, r.get("inputRequests")).onComplete(ar -> {
      if (call.promise.future().isComplete()) return;
      if (ar.succeeded()) send(call, ar.result(), state);
      else call.promise.tryComplete(ToolResult.error("MCP server '" + server + "' " + McpErrors.message(ar.cause())));
    });
  }

  /** A task's state (from the call's answer or a tasks/get): finished, or poll again. */
  private void task(StatelessPeer peer, Call call, Map<String, Object> t, CallContext ctx, Promise<ToolResult> promise) {
    if (promise.future().isComplete()) return;
    call.failures = 0;
    if (t.get("statusMessage") instanceof String msg && !msg.equals(call.lastMessage)) {
      call.lastMessage = msg;
      ctx.progress(cut(msg));
    }
    String status = String.valueOf(t.get("status"));
    switch (status) {
      case "completed" -> promise.tryComplete(t.get("result") instanceof Map<?, ?> m ? toolResult(peer, m)
          : ToolResult.error("MCP server '" + server + "' completed the task without a result"));
      case "failed" -> promise.tryComplete(ToolResult.error("MCP server '" + server + "' failed the call: "
          + (t.get("error") instanceof Map<?, ?> e ? cut(String.valueOf(e.get("message"))) : "task failed")));
      case "cancelled" -> promise.tryComplete(ToolResult.error("MCP server '" + server + "' cancelled the task"
          + (call.lastMessage != null ? ": " + cut(call.lastMessage) : "")));
      case "input_required" -> {
        taskInput(peer, call, t.get("inputRequests"));
        poll(peer, call, interval(t.get("pollIntervalMs")), ctx, promise);   // its status tells when the answers are taken
      }
      default -> poll(peer, call, interval(t.get("pollIntervalMs")), ctx, promise);   // working (or a status we do not know)
    }
  }

  /**
   * The task waits for input: the requests not asked before go to the user ({@link InputRequests}), their answers to
   * the server with tasks/update. An input_required status without new requests (ours not taken in yet: the update's
   * ack is only eventually consistent) just waits for the next poll.
   */
  private void taskInput(StatelessPeer peer, Call call, Object inputRequests) {
    if (!(inputRequests instanceof Map<?, ?> all)) return;
    Map<String, Object> fresh = new LinkedHashMap<>();
    all.forEach((k, v) -> {
      if (call.askedKeys.add(String.valueOf(k))) fresh.put(String.valueOf(k), v);
    });
    if (fresh.isEmpty()) return;
    if (++call.rounds > InputRequests.MAX_ROUNDS) {
      giveUp(peer, call, "MCP server '" + server + "' kept asking for input during the task (more than "
          + InputRequests.MAX_ROUNDS + " rounds); the task was cancelled");
      return;
    }
    inputs.answer(call.ctx, fresh).onComplete(ar -> {
      if (call.promise.future().isComplete()) return;
      if (ar.failed()) {
        giveUp(peer, call, "MCP server '" + server + "' " + McpErrors.message(ar.cause()) + "; the task was cancelled");
        return;
      }
      update(peer, call, ar.result(), refusal(ar.result()));
    });
  }

  /**
   * tasks/update with the answers. A refusal (see {@link #refusal}) is delivered too, as the server
   * would get it for a standalone elicitation, and then ends the call: the person said no to what this call needs,
   * and the model should hear that now rather than wait on whatever the server does next.
   */
  private void update(StatelessPeer peer, Call call, Map<String, Object> responses, String refusal) {
    Map<String, Object> params = Map.of("taskId", call.taskId, "inputResponses", responses);
    peer.wire().request("tasks/update", call.taskId, params, null)
        .subscribeOn(Schedulers.boundedElastic()).subscribe(
            r -> context.runOnContext(v -> {
              call.updateFailures = 0;
              if (refusal != null) refused(peer, call, refusal);
            }),
            err -> context.runOnContext(v -> updateFailed(peer, call, responses, refusal, err)));
  }

  /** The answers did not reach the server: sent again (the keys stay outstanding there) unless refused or failing for too long. */
  private void updateFailed(StatelessPeer peer, Call call, Map<String, Object> responses, String refusal, Throwable err) {
    if (call.promise.future().isComplete()) return;
    if (refusal != null) {
      refused(peer, call, refusal);
      return;
    }
    Integer status = auth.refused(err);
    boolean unknownTask = err instanceof StatelessHttpClient.RpcError r && r.code == -32602;
    if (status != null || unknownTask || ++call.updateFailures > MAX_POLL_FAILURES) {
      giveUp(peer, call, "MCP server '" + server + "' did not take the answers for task " + cut(call.taskId) + ": "
          + McpErrors.message(err) + "; the task was cancelled");
      return;
    }
    LOG.debug("MCP server {}: tasks/update for {} failed ({}), sending again", server, call.taskId, McpErrors.message(err));
    call.updateTimer = context.owner().setTimer(Math.min(MAX_POLL_MS, DEFAULT_POLL_MS / 4 * (1L << call.updateFailures)), id -> {
      call.updateTimer = -1;
      if (!call.promise.future().isComplete()) update(peer, call, responses, null);
    });
  }

  private void refused(StatelessPeer peer, Call call, String refusal) {
    giveUp(peer, call, "The user " + refusal + " the input MCP server '" + server + "' asked for during the task; "
        + "the task was cancelled");
  }

  /** Ends the call with {@code message} and cancels the task on the server. */
  private void giveUp(StatelessPeer peer, Call call, String message) {
    if (call.promise.future().isComplete()) return;
    cancelTask(peer, call.taskId);
    call.promise.tryComplete(ToolResult.error(message));
  }

  /**
   * "declined" when an elicitation among the answers was declined, "dismissed" when one was cancelled (closed by the
   * user, or nobody could be asked: no session, no answer in time), else null.
   */
  static String refusal(Map<String, Object> responses) {
    String refusal = null;
    for (Object r : responses.values()) {
      Object action = r instanceof Map<?, ?> m ? m.get("action") : null;
      if (ElicitationForm.DECLINE.equals(action)) return "declined";
      if (ElicitationForm.CANCEL.equals(action)) refusal = "dismissed";
    }
    return refusal;
  }

  private void poll(StatelessPeer peer, Call call, long delay, CallContext ctx, Promise<ToolResult> promise) {
    call.timer = context.owner().setTimer(delay, id -> {
      call.timer = -1;
      if (promise.future().isComplete()) return;
      call.request = peer.wire().request("tasks/get", call.taskId, Map.of("taskId", call.taskId), null)
          .subscribeOn(Schedulers.boundedElastic()).subscribe(
              r -> context.runOnContext(v -> task(peer, call, r, ctx, promise)),
              err -> context.runOnContext(v -> pollFailed(peer, call, err, ctx, promise)));
    });
  }

  /** The task lives on at the server: poll it again (resume) unless refused or failing for too long. */
  private void pollFailed(StatelessPeer peer, Call call, Throwable err, CallContext ctx, Promise<ToolResult> promise) {
    if (promise.future().isComplete()) return;
    Integer status = auth.refused(err);
    boolean unknownTask = err instanceof StatelessHttpClient.RpcError r && r.code == -32602;
    if (status != null || unknownTask || ++call.failures > MAX_POLL_FAILURES) {
      promise.tryComplete(ToolResult.error("MCP server '" + server + "' lost task " + cut(call.taskId) + ": " + McpErrors.message(err)));
      return;
    }
    LOG.debug("MCP server {}: polling task {} failed ({}), polling again", server, call.taskId, McpErrors.message(err));
    poll(peer, call, Math.min(MAX_POLL_MS, DEFAULT_POLL_MS / 4 * (1L << call.failures)), ctx, promise);
  }

  private void failed(Throwable err, Promise<ToolResult> promise, Runnable onFailure) {
    if (promise.future().isComplete()) return;
    Integer status = auth.refused(err);
    promise.tryComplete(McpErrors.callFailed(server, status, err));
    if (status == null) onFailure.run();   // a refusal is not the server going away
  }

  /** tasks/cancel; the server acknowledges and stops when it can (cooperative). We do not wait for it. */
  private void cancelTask(StatelessPeer peer, String taskId) {
    peer.wire().request("tasks/cancel", taskId, Map.of("taskId", taskId), null)
        .subscribeOn(Schedulers.boundedElastic()).subscribe(r -> { },
            err -> LOG.debug("MCP server {}: tasks/cancel for {} failed: {}", server, taskId, McpErrors.message(err)));
  }

  private void stop(Call call) {
    if (call.timer >= 0) context.owner().cancelTimer(call.timer);
    if (call.updateTimer >= 0) context.owner().cancelTimer(call.updateTimer);
    call.timer = -1;
    call.updateTimer = -1;
    // a tasks/update still going is left to finish: answers the user gave are not taken back by closing its stream
    Disposable d = call.request;
    if (d != null) d.dispose();   // an open request stream closed: for a plain call, the server's cancel signal
  }

  private ToolResult toolResult(StatelessPeer peer, Map<?, ?> r) {
    return results.toolResult(peer.wire().mapper().convertValue(r, McpSchema.CallToolResult.class));
  }

  /** The server's poll interval, kept within bounds (a server asking for 0 ms must not make us spin). */
  static long interval(Object pollIntervalMs) {
    long ms = pollIntervalMs instanceof Number n ? n.longValue() : DEFAULT_POLL_MS;
    return Math.max(MIN_POLL_MS, Math.min(MAX_POLL_MS, ms));
  }

  /** Server text is untrusted and shown: bounded. */
  private static String cut(String s) {
    return s == null ? null : s.length() > 500 ? s.substring(0, 500) + "…" : s;
  }
}
