package dev.maestro.tui.view;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * The status bar's text: title and short id, connection, turn, presence, provider/model, tokens and
 * cost on the left; the approval or question hint, else the last notice, on the right.
 */
public final class StatusLine {
  private StatusLine() {}

  /** Exactly {@code cols} characters. The right part matters most: the left part gives way. */
  public static String text(ChatModel chat, String sessionId, String connection, String flash, int cols) {
    JsonObject s = chat.session();
    String title = sessionId == null ? "no session"
        : s.getString("title") != null && !s.getString("title").isBlank() ? s.getString("title")
        : SessionList.shortId(sessionId);
    String tokens = "in " + chat.inputTokens() + " out " + chat.outputTokens() + " tok";
    String presence = chat.openIn().size() > 1 ? " · open in " + chat.openIn().size() : "";
    String turn = chat.turnInFlight() ? " · working" : "";
    JsonObject project = s.getJsonObject("project");
    if (project != null && project.getString("branch") != null) {
      turn += " · " + project.getString("name", "project") + "@" + project.getString("branch");
    }
    String left = " " + title + " [" + (sessionId == null ? "-" : SessionList.shortId(sessionId)) + "] · "
        + connection + turn + presence + " · " + s.getString("provider", "?") + "/" + s.getString("model", "?") + " · "
        + tokens + " · " + cost(chat.costUsd()) + " ";
    String right = chat.pendingApproval() != null ? " approval: y/n "
        : chat.pendingElicitation() != null ? " question: a/d " : flash.isEmpty() ? "" : " " + flash + " ";
    if (right.length() > cols) {
      right = right.substring(0, cols);
    }
    if (left.length() + right.length() > cols) {
      left = left.substring(0, cols - right.length());
    }
    String text = left + " ".repeat(cols - left.length() - right.length()) + right;
    return text.length() > cols ? text.substring(0, cols) : text;
  }

  /**
   * The session's cost as the server priced it (the sum of the messages' {@code usage.costUsd}, the
   * figure the web UI shows too); {@code $—} before any message carried one.
   */
  public static String cost(Double usd) {
    return usd == null ? "$—" : String.format(Locale.ROOT, "$%.4f", usd);
  }
}
