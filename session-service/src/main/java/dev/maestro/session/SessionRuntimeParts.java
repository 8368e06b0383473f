package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.function.BooleanSupplier;

/**
 * The issue-16 parts of one live session, attached to its {@link TurnLoop}: the {@link MessageQueue}
 * (queued and steered messages) and the {@link RunRules} (plan mode, approvals). Answers the
 * {@link LiveCommand.Runtime} commands: {@code submit} {text, mode}, {@code drain},
 * {@code allowForSession} {callId}.
 */
final class SessionRuntimeParts {
  /** What every live session of a node shares: set on the {@link SessionRouter}. */
  record Shared(RuntimeStore store, RuntimeSettings settings) {}

  final MessageQueue queue;
  final RunRules rules;

  private SessionRuntimeParts(MessageQueue queue, RunRules rules) {
    this.queue = queue;
    this.rules = rules;
  }

  static SessionRuntimeParts attach(Shared shared, LiveState live, SessionStore sessions, TurnLoop turns,
                                    BooleanSupplier compacting, Vertx vertx) {
    RunRules rules = new RunRules(live.sessionId, shared.store(), shared.settings(), vertx, live::publish)
        .liveMode(() -> live.stored.getString("mode"));
    MessageQueue queue = new MessageQueue(live, sessions, shared.store(), turns, compacting, vertx);
    turns.runtime(rules, queue::injectSteers, queue::drain);
    return new SessionRuntimeParts(queue, rules);
  }

  /** After activation: allowances loaded, the queue left by a previous owner settled and started. */
  Future<Void> start() {
    return rules.load().compose(v -> queue.recover());
  }

  void stop() {
    queue.stop();
  }

  Future<JsonObject> handle(JsonObject body) {
    return switch (body.getString("op", "")) {
      case "submit" -> queue.submit(body.getString("text"), body.getString("mode"));
      case "drain" -> {
        queue.drain();
        yield Future.succeededFuture(new JsonObject());
      }
      case "allowForSession" -> rules.allowForSession(body.getString("callId"));
      default -> Fail.invalid("op", "unknown runtime command");
    };
  }
}
