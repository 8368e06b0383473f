package dev.maestro.tui.view;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The conversation of one session as the TUI shows it, folded from the stored history
 * ({@code GET /sessions/{id}}) and the live events of the WebSocket.
 *
 * <p>Folding is idempotent: events are applied once per {@code seq}, and events that describe a
 * message or tool call already known (by messageId/callId, e.g. replayed after a subscribe with
 * {@code afterSeq}) update it instead of adding a second copy. Not thread-safe: the UI thread owns it.
 */
public final class ChatModel {

  public sealed interface Block permits UserBlock, AssistantBlock, ToolBlock, NoticeBlock, ElicitationBlock {}

  public static final class UserBlock implements Block {
    public String messageId;
    public final StringBuilder text = new StringBuilder();
    boolean replaceOnNextDelta;
    /** Sent from this client and not yet matched with the turn it started. */
    boolean awaitingTurn;
  }

  public static final class AssistantBlock implements Block {
    public String messageId;
    public final StringBuilder text = new StringBuilder();
    public final StringBuilder thinking = new StringBuilder();
    public String status = "streaming";
    boolean replaceOnNextDelta;
  }

  public enum Approval { NONE, PENDING, ALLOWED, DENIED }

  public static final class ToolBlock implements Block {
    public final String callId;
    public String name;
    public String arguments = "{}";
    public String result;
    public boolean isError;
    public Approval approval = Approval.NONE;
    /** A task call's sub-agent (subagent_* events): its session, label, state and how much it has said. */
    public String subagentSessionId;
    public String subagentDescription;
    public String subagentStatus;
    public int subagentChars;

    ToolBlock(String callId) {
      this.callId = callId;
    }
  }

  public record NoticeBlock(String text, Tone tone) implements Block {}

  /** One field of an elicitation form: its type and default as the server's schema gives them. */
  public record FormField(String name, String type, Object defaultValue, boolean required, String description) {}

  /** An MCP tool asking the user (elicitation_required) until elicitation_resolved says how it ended. */
  public static final class ElicitationBlock implements Block {
    public final String elicitationId;
    public String callId;
    public String server;
    public String message;
    public final List<FormField> fields = new ArrayList<>();
    /** null while waiting; then accept | decline | cancel. */
    public String outcome;

    ElicitationBlock(String elicitationId) {
      this.elicitationId = elicitationId;
    }

    /**
     * The content for an accept: "name=value" overrides typed by the schema; every field left out
     * is filled with its default by the server. Throws IllegalArgumentException naming a bad pair.
     */
    public JsonObject content(List<String> assignments) {
      JsonObject content = new JsonObject();
      for (String a : assignments) {
        int eq = a.indexOf('=');
        String name = eq < 0 ? a : a.substring(0, eq);
        FormField f = fields.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        if (eq <= 0 || f == null) {
          throw new IllegalArgumentException("'" + a + "': use name=value with one of " + fields.stream().map(FormField::name).toList());
        }
        String v = a.substring(eq + 1);
        try {
          content.put(name, switch (f.type() == null ? "string" : f.type()) {
            case "integer" -> Long.parseLong(v);
            case "number" -> Double.parseDouble(v);
            case "boolean" -> {
              if (!v.equals("true") && !v.equals("false")) throw new NumberFormatException();
              yield Boolean.parseBoolean(v);
            }
            default -> v;
          });
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + a + "': " + name + " must be " + ("boolean".equals(f.type()) ? "true or false" : "a number"));
        }
      }
      return content;
    }
  }

  private final List<Block> blocks = new ArrayList<>();
  private final Set<String> countedUsage = new HashSet<>();
  private final LinkedHashSet<String> pendingApprovals = new LinkedHashSet<>();
  private final java.util.Map<String, ElicitationBlock> elicitations = new java.util.LinkedHashMap<>();
  private Block current;
  private long lastSeq = -1;
  private long inputTokens;
  private long outputTokens;
  /** The sum of the messages' server-priced usage.costUsd; null until one carried a cost. */
  private Double costUsd;
  private boolean turnInFlight;
  private int turnStartIndex = -1;
  private boolean turnStartedElsewhere;
  private List<String> openIn = List.of();
  private JsonObject session = new JsonObject();
  /** The turn in flight (turn_started), for a truncated marker that names none. */
  private String turnId;
  /**
   * A truncated marker announced seq numbers whose events will not come (an earlier owner streamed them
   * before a partition, issue 17, or a very long turn outgrew what the server holds): the turn it names
   * ("" = the one in flight), whose stored messages are reloaded once it has ended.
   */
  private String truncatedTurn;
  /** The ended turn whose stored messages the caller is to fetch ({@link #takeTurnToReload}). */
  private String turnToReload;

  public List<Block> blocks() {
    return blocks;
  }

  public long lastSeq() {
    return lastSeq;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  /**
   * What the server charged for this session so far: the sum of {@code usage.costUsd} of the stored
   * messages and of the live {@code message_completed} events (one price table, in session-service:
   * the TUI shows the web UI's figure). Null when no message carried a cost.
   */
  public Double costUsd() {
    return costUsd;
  }

  public boolean turnInFlight() {
    return turnInFlight;
  }

  public List<String> openIn() {
    return openIn;
  }

  public JsonObject session() {
    return session;
  }

  public String sessionId() {
    return session.getString("id");
  }

  /** The oldest approval still waiting for an answer, or null. */
  public ToolBlock pendingApproval() {
    for (String callId : pendingApprovals) {
      ToolBlock t = tool(callId);
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  /** The oldest elicitation still waiting for the user, or null. */
  public ElicitationBlock pendingElicitation() {
    for (ElicitationBlock e : elicitations.values()) {
      if (e.outcome == null) {
        return e;
      }
    }
    return null;
  }

  /** Replaces everything with the stored session and its messages. */
  public void loadSession(JsonObject s) {
    blocks.clear();
    countedUsage.clear();
    pendingApprovals.clear();
    elicitations.clear();
    current = null;
    inputTokens = 0;
    outputTokens = 0;
    costUsd = null;
    turnInFlight = false;
    session = s.copy();
    session.remove("messages");
    JsonArray open = s.getJsonArray("openIn");
    openIn = open == null ? List.of() : strings(open);
    JsonArray messages = s.getJsonArray("messages", new JsonArray());
    for (int i = 0; i < messages.size(); i++) {
      addStoredMessage(messages.getJsonObject(i));
    }
    current = null;
  }

  /** Updates the session's attributes (title, model…) without touching the conversation. */
  public void updateSession(JsonObject s) {
    JsonObject copy = s.copy();
    copy.remove("messages");
    session.mergeIn(copy);
  }

  private void addStoredMessage(JsonObject m) {
    String role = m.getString("role", "assistant");
    String id = m.getString("id");
    String status = m.getString("status", "complete");
    JsonArray parts = m.getJsonArray("content", new JsonArray());
    if ("user".equals(role)) {
      UserBlock u = new UserBlock();
      u.messageId = id;
      for (int i = 0; i < parts.size(); i++) {
        JsonObject p = parts.getJsonObject(i);
        if ("text".equals(p.getString("type"))) {
          u.text.append(p.getString("text", ""));
        } else if ("tool_result".equals(p.getString("type"))) {
          applyToolResult(p);
        }
      }
      if (u.text.length() > 0) {
        blocks.add(u);
      }
    } else if ("tool".equals(role)) {
      for (int i = 0; i < parts.size(); i++) {
        applyToolResult(parts.getJsonObject(i));
      }
    } else {
      AssistantBlock a = new AssistantBlock();
      a.messageId = id;
      a.status = status;
      blocks.add(a);
      appendParts(a, parts);
      addUsage(id, m.getJsonObject("usage"));
      if (!"complete".equals(status) && !"streaming".equals(status)) {
        blocks.add(new NoticeBlock("(message " + status + ")", "error".equals(status) ? Tone.ERROR : Tone.DIM));
      }
    }
  }

  private void applyToolResult(JsonObject p) {
    if (p == null || !"tool_result".equals(p.getString("type", "tool_result"))) {
      return;
    }
    ToolBlock t = toolOrNew(p.getString("callId"));
    t.result = resultText(p.getValue("content"));
    t.isError = p.getBoolean("isError", false);
    if (t.approval == Approval.PENDING) {
      t.approval = t.isError ? Approval.DENIED : Approval.ALLOWED;
    }
    pendingApprovals.remove(t.callId);
  }

  /** A message this client just sent; shown at once, matched later with the server's user message. */
  public void addLocalUserMessage(String text) {
    UserBlock u = new UserBlock();
    u.text.append(text);
    u.awaitingTurn = true;
    blocks.add(u);
  }

  /**
   * True (once) when the last turn_started was not preceded by a message from this client: another
   * client sent it, and the session service publishes no event carrying the user's text, so the
   * caller fetches the session and passes its messages to {@link #addMissingUserMessages}.
   */
  public boolean takeTurnStartedElsewhere() {
    boolean t = turnStartedElsewhere;
    turnStartedElsewhere = false;
    return t;
  }

  /** Inserts stored user messages this model does not know yet where the current turn started. */
  public int addMissingUserMessages(JsonArray messages) {
    Set<String> known = new HashSet<>();
    for (Block b : blocks) {
      if (b instanceof UserBlock u && u.messageId != null) {
        known.add(u.messageId);
      }
    }
    int at = turnStartIndex < 0 ? blocks.size() : Math.min(turnStartIndex, blocks.size());
    int added = 0;
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      if (!"user".equals(m.getString("role")) || m.getString("id") == null || known.contains(m.getString("id"))) {
        continue;
      }
      UserBlock u = new UserBlock();
      u.messageId = m.getString("id");
      for (Object o : m.getJsonArray("content", new JsonArray())) {
        if (o instanceof JsonObject p && "text".equals(p.getString("type"))) {
          u.text.append(p.getString("text", ""));
        }
      }
      if (u.text.length() == 0 || adoptId(u)) {
        continue;
      }
      blocks.add(at + added, u);
      added++;
    }
    if (turnStartIndex >= 0) {
      turnStartIndex += added;
    }
    return added;
  }

  /** A local message shown before its id was known takes the stored message's id instead of a copy. */
  private boolean adoptId(UserBlock stored) {
    for (Block b : blocks) {
      if (b instanceof UserBlock u && u.messageId == null && u.text.toString().equals(stored.text.toString())) {
        u.messageId = stored.messageId;
        return true;
      }
    }
    return false;
  }

  /**
   * The ended turn whose events were announced as not coming (a truncated marker), once: the caller fetches
   * the session and passes its messages to {@link #reloadTurn}. Null: none.
   */
  public String takeTurnToReload() {
    String t = turnToReload;
    turnToReload = null;
    return t;
  }

  /**
   * Shows the stored messages of turnId (from {@code GET /sessions/{id}}) in place of what streamed of them:
   * an assistant message shown is rebuilt from what is stored (the one that streamed without its
   * message_started is adopted), one never seen is added, tool results are applied; user messages are left
   * as they are. Returns how many assistant messages were rebuilt or added.
   */
  public int reloadTurn(String turnId, JsonArray messages) {
    int changed = 0;
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      if (turnId == null || !turnId.equals(m.getString("turnId"))) {
        continue;
      }
      String role = m.getString("role", "assistant");
      if ("tool".equals(role)) {
        m.getJsonArray("content", new JsonArray()).forEach(p -> applyToolResult(p instanceof JsonObject o ? o : null));
        continue;
      }
      if (!"assistant".equals(role)) {
        continue;
      }
      AssistantBlock shown = null;
      for (Block b : blocks) {
        if (b instanceof AssistantBlock a && m.getString("id") != null && m.getString("id").equals(a.messageId)) {
          shown = a;
        }
      }
      if (shown == null) {
        for (Block b : blocks) {
          if (b instanceof AssistantBlock a && a.messageId == null) {
            shown = a;
          }
        }
      }
      if (shown == null) {
        addStoredMessage(m);
        changed++;
        continue;
      }
      shown.messageId = m.getString("id");
      shown.text.setLength(0);
      shown.thinking.setLength(0);
      shown.status = m.getString("status", "complete");
      appendParts(shown, m.getJsonArray("content", new JsonArray()));
      addUsage(shown.messageId, m.getJsonObject("usage"));
      changed++;
    }
    return changed;
  }

  /** The server refused what this client sent: its message will start no turn. */
  public void localMessageRefused() {
    for (int i = blocks.size() - 1; i >= 0; i--) {
      if (blocks.get(i) instanceof UserBlock u && u.awaitingTurn) {
        u.awaitingTurn = false;
        return;
      }
    }
  }

  public void addNotice(String text, Tone tone) {
    blocks.add(new NoticeBlock(text, tone));
  }

  /** Records the local answer to an approval prompt (the server's tool_result confirms it). */
  public void markApproval(String callId, boolean allow) {
    ToolBlock t = tool(callId);
    if (t != null) {
      t.approval = allow ? Approval.ALLOWED : Approval.DENIED;
    }
    pendingApprovals.remove(callId);
  }

  /**
   * Applies one event of the session. Returns false when it was already applied (seq not above
   * the last one seen).
   */
  public boolean apply(long seq, JsonObject event) {
    if (seq <= lastSeq) {
      return false;
    }
    lastSeq = seq;
    fold(event);
    return true;
  }

  /** Applies an event that is not part of the seq stream (presence). */
  public void applyUnsequenced(JsonObject event) {
    if ("presence".equals(event.getString("type"))) {
      fold(event);
    }
  }

  private void fold(JsonObject event) {
    switch (event.getString("type", "")) {
      case "truncated" -> truncatedTurn = event.getString("turnId", turnId == null ? "" : turnId);
      case "turn_started" -> {
        turnId = event.getString("turnId");
        turnInFlight = true;
        turnStartIndex = blocks.size();
        turnStartedElsewhere = true;
        for (Block b : blocks) {
          if (b instanceof UserBlock u && u.awaitingTurn) {
            u.awaitingTurn = false;
            turnStartedElsewhere = false;
            break;
          }
        }
      }
      case "message_started" -> {
        if (event.getString("mode") != null && "user".equals(event.getString("role"))) {
          queuedStarted(event.getString("messageId"), event.getString("text", ""));
        } else {
          messageStarted(event.getString("messageId"), event.getString("role", "assistant"));
        }
      }
      case "approval_expired" -> {
        pendingApprovals.remove(event.getString("callId"));
        ToolBlock expired = toolOrNew(event.getString("callId"));
        if (expired.approval == Approval.PENDING) {
          expired.approval = Approval.NONE;
        }
        blocks.add(new NoticeBlock("approval of " + event.getString("name", "a tool") + " expired: denied", Tone.DIM));
      }
      case "delta" -> delta(event.getString("text", ""));
      case "thinking_delta" -> assistant().thinking.append(event.getString("text", ""));
      case "tool_call" -> {
        ToolBlock t = toolOrNew(event.getString("callId"));
        t.name = event.getString("name");
        t.arguments = jsonText(event.getValue("arguments"));
      }
      case "approval_required" -> {
        ToolBlock t = toolOrNew(event.getString("callId"));
        t.name = event.getString("name", t.name);
        if (event.containsKey("arguments")) {
          t.arguments = jsonText(event.getValue("arguments"));
        }
        if (t.result == null && t.approval == Approval.NONE) {
          t.approval = Approval.PENDING;
          pendingApprovals.add(t.callId);
        }
      }
      case "elicitation_required" -> elicitationRequired(event);
      case "subagent_started" -> {
        ToolBlock t = toolOrNew(event.getString("callId"));
        if (t.name == null) {
          t.name = "task";
        }
        t.subagentSessionId = event.getString("childSessionId");
        t.subagentDescription = event.getString("description", "");
        t.subagentStatus = "running";
      }
      case "subagent_delta", "subagent_finished" -> {
        for (Block b : blocks) {
          if (b instanceof ToolBlock t && t.subagentSessionId != null && t.subagentSessionId.equals(event.getString("childSessionId"))) {
            if ("subagent_delta".equals(event.getString("type"))) {
              t.subagentChars += event.getString("text", "").length();
            } else {
              t.subagentStatus = event.getString("status", "complete");
            }
          }
        }
      }
      case "elicitation_resolved" -> {
        ElicitationBlock e = elicitations.get(event.getString("elicitationId", ""));
        if (e != null) {
          e.outcome = event.getString("action", "cancel");
        }
      }
      case "tool_result" -> applyToolResult(event.copy().put("type", "tool_result"));
      case "message_completed" -> {
        if (current instanceof AssistantBlock a && (a.messageId == null
            || a.messageId.equals(event.getString("messageId")))) {
          a.status = "complete";
        }
        for (Block b : blocks) {
          if (b instanceof AssistantBlock a && a.messageId != null && a.messageId.equals(event.getString("messageId"))) {
            a.status = "complete";
          }
        }
        addUsage(event.getString("messageId"), event.getJsonObject("usage"));
      }
      case "turn_error" -> blocks.add(new NoticeBlock(
          "Error" + (event.getString("code") == null ? "" : " [" + event.getString("code") + "]") + ": "
              + event.getString("message", ""), Tone.ERROR));
      case "turn_completed" -> {
        turnInFlight = false;
        pendingApprovals.clear();
        // the server resolves every question of a turn before it ends; a missed event must not leave one open
        elicitations.values().forEach(e -> {
          if (e.outcome == null) {
            e.outcome = "cancel";
          }
        });
        for (Block b : blocks) {
          if (b instanceof ToolBlock t && t.approval == Approval.PENDING) {
            t.approval = Approval.NONE;
          }
          if (b instanceof AssistantBlock a && "streaming".equals(a.status)) {
            a.status = event.getString("status", "complete");
          }
        }
        String status = event.getString("status", "complete");
        if (!"complete".equals(status)) {
          blocks.add(new NoticeBlock("(turn " + status + ")", "error".equals(status) ? Tone.ERROR : Tone.DIM));
        }
        current = null;
        String ended = event.getString("turnId", turnId);
        if (truncatedTurn != null && (truncatedTurn.isEmpty() || ended == null || truncatedTurn.equals(ended))) {
          turnToReload = ended != null ? ended : truncatedTurn;
          truncatedTurn = null;
        }
        turnId = null;
      }
      case "files_changed" -> blocks.add(new NoticeBlock("files changed: " + String.join(", ", strings(event.getJsonArray("files",
          new JsonArray()))) + " (/diff to review, /undo to revert, /commit MESSAGE to keep)", Tone.SYSTEM));
      case "presence" -> {
        JsonArray open = event.getJsonArray("openIn");
        openIn = open == null ? List.of() : strings(open);
      }
      default -> { }
    }
  }

  private void elicitationRequired(JsonObject event) {
    String id = event.getString("elicitationId");
    if (id == null || elicitations.containsKey(id)) {
      return;
    }
    ElicitationBlock e = new ElicitationBlock(id);
    e.callId = event.getString("callId");
    e.server = event.getString("server", "?");
    e.message = event.getString("message", "");
    JsonObject schema = event.getJsonObject("schema", new JsonObject());
    JsonObject props = schema.getJsonObject("properties", new JsonObject());
    List<String> required = strings(schema.getJsonArray("required", new JsonArray()));
    for (String name : props.fieldNames()) {
      JsonObject p = props.getValue(name) instanceof JsonObject o ? o : new JsonObject();
      String type = p.getString("type", "string");
      if (p.getValue("enum") instanceof JsonArray values) {
        type = "one of " + String.join("|", strings(values));
      }
      e.fields.add(new FormField(name, type.startsWith("one of") ? "string" : type, p.getValue("default"),
          required.contains(name), type.startsWith("one of") ? type : p.getString("description")));
    }
    elicitations.put(id, e);
    blocks.add(e);
  }

  /** Records the local answer (the server's elicitation_resolved confirms it). */
  public void markElicitation(String elicitationId, String action) {
    ElicitationBlock e = elicitations.get(elicitationId);
    if (e != null) {
      e.outcome = action;
    }
  }

  /** Issue 16: a queued or steered message starts; its text comes with the event (nobody typed it here just now). */
  private void queuedStarted(String messageId, String text) {
    if (findUser(messageId) != null) {
      return;
    }
    UserBlock u = new UserBlock();
    u.messageId = messageId;
    u.text.append(text);
    blocks.add(u);
    current = null;
  }

  private void messageStarted(String messageId, String role) {
    if ("user".equals(role)) {
      UserBlock known = findUser(messageId);
      if (known != null) {
        known.replaceOnNextDelta = true;
        current = known;
        return;
      }
      // our own message sent a moment ago, not yet matched with its id
      for (int i = blocks.size() - 1; i >= 0; i--) {
        if (blocks.get(i) instanceof UserBlock u && u.messageId == null) {
          u.messageId = messageId;
          u.replaceOnNextDelta = true;
          current = u;
          return;
        }
      }
      UserBlock u = new UserBlock();
      u.messageId = messageId;
      blocks.add(u);
      current = u;
      return;
    }
    AssistantBlock known = findAssistant(messageId);
    if (known != null) {
      known.replaceOnNextDelta = true;
      current = known;
      return;
    }
    AssistantBlock a = new AssistantBlock();
    a.messageId = messageId;
    blocks.add(a);
    current = a;
  }

  private void delta(String text) {
    if (current instanceof UserBlock u) {
      if (u.replaceOnNextDelta) {
        u.text.setLength(0);
        u.replaceOnNextDelta = false;
      }
      u.text.append(text);
      return;
    }
    AssistantBlock a = assistant();
    if (a.replaceOnNextDelta) {
      a.text.setLength(0);
      a.thinking.setLength(0);
      a.replaceOnNextDelta = false;
    }
    a.text.append(text);
  }

  /** The assistant message receiving output; created when deltas arrive without a message_started. */
  private AssistantBlock assistant() {
    if (current instanceof AssistantBlock a) {
      return a;
    }
    AssistantBlock a = new AssistantBlock();
    blocks.add(a);
    current = a;
    return a;
  }

  private UserBlock findUser(String id) {
    if (id == null) {
      return null;
    }
    for (Block b : blocks) {
      if (b instanceof UserBlock u && id.equals(u.messageId)) {
        return u;
      }
    }
    return null;
  }

  private AssistantBlock findAssistant(String id) {
    if (id == null) {
      return null;
    }
    for (Block b : blocks) {
      if (b instanceof AssistantBlock a && id.equals(a.messageId)) {
        return a;
      }
    }
    return null;
  }

  public ToolBlock tool(String callId) {
    for (Block b : blocks) {
      if (b instanceof ToolBlock t && t.callId.equals(callId)) {
        return t;
      }
    }
    return null;
  }

  private ToolBlock toolOrNew(String callId) {
    String id = callId == null ? "call-" + blocks.size() : callId;
    ToolBlock t = tool(id);
    if (t == null) {
      t = new ToolBlock(id);
      blocks.add(t);
    }
    return t;
  }

  private void addUsage(String messageId, JsonObject usage) {
    if (usage == null || (messageId != null && !countedUsage.add(messageId))) {
      return;
    }
    inputTokens += usage.getLong("inputTokens", 0L);
    outputTokens += usage.getLong("outputTokens", 0L);
    if (usage.getValue("costUsd") instanceof Number n) {
      costUsd = (costUsd == null ? 0 : costUsd) + n.doubleValue();
    }
  }

  static String jsonText(Object v) {
    if (v == null) {
      return "{}";
    }
    if (v instanceof JsonObject o) {
      return o.encode();
    }
    if (v instanceof JsonArray a) {
      return a.encode();
    }
    return String.valueOf(v);
  }

  /** Tool results are a string or a list of content parts; shows the text of the parts. */
  static String resultText(Object content) {
    if (content == null) {
      return "";
    }
    if (content instanceof JsonArray parts) {
      StringBuilder sb = new StringBuilder();
      for (Object o : parts) {
        if (o instanceof JsonObject p && p.containsKey("text")) {
          if (sb.length() > 0) {
            sb.append('\n');
          }
          sb.append(p.getString("text"));
        } else if (o != null) {
          if (sb.length() > 0) {
            sb.append('\n');
          }
          sb.append(jsonText(o));
        }
      }
      return sb.toString();
    }
    return jsonText(content);
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      out.add(String.valueOf(o));
    }
    return List.copyOf(out);
  }

  /** A stored assistant message's content parts into its block: text, thinking, and its tool calls and results. */
  private void appendParts(AssistantBlock a, JsonArray parts) {
    for (Object o : parts) {
      if (!(o instanceof JsonObject p)) {
        continue;
      }
      switch (p.getString("type", "")) {
        case "text" -> a.text.append(p.getString("text", ""));
        case "thinking" -> a.thinking.append(p.getString("text", ""));
        case "tool_call" -> {
          ToolBlock t = toolOrNew(p.getString("callId"));
          t.name = p.getString("name");
          t.arguments = jsonText(p.getValue("arguments"));
        }
        case "tool_result" -> applyToolResult(p);
        default -> { }
      }
    }
  }
}
