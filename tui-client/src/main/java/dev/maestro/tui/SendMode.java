package dev.maestro.tui;

import dev.maestro.tui.client.ApiException;
import dev.maestro.tui.client.GatewayClient;
import dev.maestro.tui.client.LiveSocket;
import dev.maestro.tui.view.TurnFollower;
import dev.maestro.tui.view.TurnFollower.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;

/**
 * {@code tui send --session ID "text"}: subscribes to the session (afterSeq 0, so nothing of the turn
 * can be missed whatever the timing), posts the message, prints the assistant's streamed text to
 * stdout and finishes when the turn completes. The future fails with a one-line reason otherwise.
 */
final class SendMode {
  private final Vertx vertx;
  private final GatewayClient api;
  private final String url;
  private final String token;
  private final PrintStream out;

  SendMode(Vertx vertx, GatewayClient api, String url, String token, PrintStream out) {
    this.vertx = vertx;
    this.api = api;
    this.url = url;
    this.token = token;
    this.out = out;
  }

  Future<Void> run(String sessionId, String text, String approve, int timeoutSeconds) {
    Promise<Void> done = Promise.promise();
    TurnFollower follower = new TurnFollower(s -> {
      out.print(s);
      out.flush();
    });
    LiveSocket[] socket = new LiveSocket[1];
    socket[0] = new LiveSocket(vertx, url, token, new LiveSocket.Listener() {
      @Override
      public void onEvent(String sid, long seq, JsonObject event) {
        settle(follower.accept(seq, event), follower, socket[0], sessionId, approve, done);
      }

      @Override
      public void onState(LiveSocket.State state, String detail) {
      }

      @Override
      public void onServerError(String code, String message) {
        done.tryFail(new ApiException(400, "the gateway refused: " + code + " " + message));
      }
    });
    long timer = vertx.setTimer(timeoutSeconds * 1000L,
        id -> done.tryFail(new IllegalStateException("no answer within " + timeoutSeconds + "s")));
    // the session must exist and be ours before anything is sent
    api.getSession(sessionId)
        .compose(s -> socket[0].connect())
        .compose(v -> {
          socket[0].subscribe(sessionId, 0L);
          return api.sendMessage(sessionId, text);
        })
        .onSuccess(ack -> {
          String turnId = ack.getString("turnId");
          if (turnId == null) {
            done.tryFail(new IllegalStateException("the gateway did not return a turnId"));
            return;
          }
          settle(follower.setTurnId(turnId), follower, socket[0], sessionId, approve, done);
        })
        .onFailure(done::tryFail);
    return done.future().andThen(ar -> {
      vertx.cancelTimer(timer);
      if (!follower.endsWithNewline()) {
        out.println();
      }
      out.flush();
      socket[0].close();
    });
  }

  private void settle(Outcome outcome, TurnFollower follower, LiveSocket socket, String sessionId,
      String approve, Promise<Void> done) {
    switch (outcome) {
      case COMPLETE -> done.tryComplete();
      case FAILED -> done.tryFail(new IllegalStateException(follower.failure()));
      case INPUT_NEEDED -> {
        String why = follower.failure() + "; turn cancelled";
        api.cancel(sessionId).onComplete(ar -> done.tryFail(new IllegalStateException(why)));
      }
      case APPROVAL_NEEDED -> {
        TurnFollower.PendingApproval p = follower.pendingApproval();
        if (approve == null) {
          // nobody can answer the prompt: cancel the turn rather than leave the session waiting
          String why = "tool " + p.name() + " " + p.arguments() + " needs approval; turn cancelled"
              + " (run with --approve allow|deny)";
          api.cancel(sessionId).onComplete(ar -> done.tryFail(new IllegalStateException(why)));
        } else {
          follower.approvalAnswered();
          socket.approve(sessionId, p.callId(), "allow".equals(approve)).onFailure(done::tryFail);
        }
      }
      default -> { }
    }
  }
}
