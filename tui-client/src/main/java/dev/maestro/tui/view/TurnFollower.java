package dev.maestro.tui.view;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Follows one turn in a session's event stream for the non-interactive {@code send} mode: passes
 * the assistant's text deltas to an output, and says when the turn is over and how.
 *
 * <p>The subscription starts (with afterSeq) before the message is posted, so events of the turn
 * may arrive before its turnId is known: they are held and replayed once it is. Events of other
 * turns are ignored.
 */
public final class TurnFollower {
  public enum Outcome { RUNNING, COMPLETE, FAILED, APPROVAL_NEEDED, INPUT_NEEDED }

  public record PendingApproval(String callId, String name, String arguments) {}

  private final Consumer<String> output;
  private final List<JsonObject> held = new ArrayList<>();
  private String turnId;
  private boolean inTurn;
  private boolean outputIsAssistant = true;
  private long lastSeq = -1;
  private Outcome outcome = Outcome.RUNNING;
  private String failure;
  private PendingApproval pendingApproval;
  /** Call ids already answered: the node a drain hands the turn to asks for them again (restored), once. */
  private final java.util.Set<String> answered = new java.util.HashSet<>();
  private boolean endsWithNewline = true;

  public TurnFollower(Consumer<String> output) {
    this.output = output;
  }

  public Outcome outcome() {
    return outcome;
  }

  /** Why the turn failed (turn_error message or final status). */
  public String failure() {
    return failure;
  }

  public PendingApproval pendingApproval() {
    return pendingApproval;
  }

  public boolean endsWithNewline() {
    return endsWithNewline;
  }

  public Outcome setTurnId(String id) {
    turnId = id;
    List<JsonObject> replay = new ArrayList<>(held);
    held.clear();
    for (JsonObject e : replay) {
      handle(e);
    }
    return outcome;
  }

  public Outcome accept(long seq, JsonObject event) {
    if (seq <= lastSeq) {
      return outcome;
    }
    lastSeq = seq;
    if (turnId == null) {
      held.add(event);
      return outcome;
    }
    handle(event);
    return outcome;
  }

  /** Clears an answered approval so the turn can continue. */
  public void approvalAnswered() {
    if (pendingApproval != null) {
      answered.add(pendingApproval.callId());
    }
    pendingApproval = null;
    if (outcome == Outcome.APPROVAL_NEEDED) {
      outcome = Outcome.RUNNING;
    }
  }

  private void handle(JsonObject e) {
    String type = e.getString("type", "");
    if ("turn_started".equals(type)) {
      inTurn = turnId.equals(e.getString("turnId"));
      return;
    }
    if (!inTurn || outcome == Outcome.COMPLETE || outcome == Outcome.FAILED) {
      return;
    }
    switch (type) {
      case "message_started" -> outputIsAssistant = !"user".equals(e.getString("role"));
      case "delta" -> {
        String text = e.getString("text", "");
        if (outputIsAssistant && !text.isEmpty()) {
          output.accept(text);
          endsWithNewline = text.endsWith("\n");
        }
      }
      case "approval_required" -> {
        if (answered.contains(e.getString("callId"))) {
          return;
        }
        pendingApproval = new PendingApproval(e.getString("callId"), e.getString("name"),
            ChatModel.jsonText(e.getValue("arguments")));
        outcome = Outcome.APPROVAL_NEEDED;
      }
      case "elicitation_required" -> {
        // an MCP tool asks the user a question: send mode has nobody to ask
        failure = "the tool's MCP server " + e.getString("server", "?") + " asks for input (\"" + e.getString("message", "")
            + "\"); answer it in the interactive client";
        outcome = Outcome.INPUT_NEEDED;
      }
      case "turn_error" -> failure = e.getString("code", "error") + ": " + e.getString("message", "");
      case "turn_completed" -> {
        if (turnId.equals(e.getString("turnId"))) {
          String status = e.getString("status", "complete");
          if ("complete".equals(status)) {
            outcome = Outcome.COMPLETE;
          } else {
            outcome = Outcome.FAILED;
            if (failure == null) {
              failure = "turn " + status;
            }
          }
          inTurn = false;
        }
      }
      default -> { }
    }
  }
}
