package dev.maestro.tui.view;

import java.util.ArrayList;
import java.util.List;

/** The slash commands of the input line: the catalogue, prefix completion and parsing. */
public final class SlashCommands {
  public record Command(String name, String usage, String help) {}

  public record Invocation(String name, String args) {}

  public static final List<Command> ALL = List.of(
      new Command("/new", "/new [provider] [model] [--project NAME]", "create a session (defaults: this session's provider and model)"),
      new Command("/sessions", "/sessions", "list, search, switch, rename and delete sessions"),
      new Command("/model", "/model [name]", "show the provider's models, or switch this session's model"),
      new Command("/template", "/template [name]", "list templates, or create a session from one"),
      new Command("/tools", "/tools", "list the tools and their policies"),
      new Command("/cancel", "/cancel", "cancel the turn in flight"),
      new Command("/accept", "/accept [name=value …]", "answer a tool's question: its defaults, changed by the pairs (also a)"),
      new Command("/decline", "/decline", "decline a tool's question (also d)"),
      new Command("/compact", "/compact", "ask the server to compact this session's history"),
      new Command("/export", "/export [file.md|file.json]", "export this session to a file"),
      new Command("/rename", "/rename title", "rename this session"),
      new Command("/thinking", "/thinking", "show or collapse thinking (also Ctrl+T)"),
      new Command("/usage", "/usage [day|model|user] [from] [to]", "usage and cost (yours; all users for an admin) and your budget"),
      new Command("/steer", "/steer text", "add a message to the running turn, after its tool results (also Ctrl+S)"),
      new Command("/plan", "/plan", "plan mode: only read-only tools run"),
      new Command("/build", "/build", "build mode: tools run as their policies say"),
      new Command("/runs", "/runs", "your runs across sessions: running, waiting for approval, queued"),
      new Command("/diff", "/diff", "a project session's uncommitted changes, coloured (scroll with PgUp/PgDn)"),
      new Command("/undo", "/undo", "undo the file changes of the last turn that changed files"),
      new Command("/commit", "/commit message", "commit the worktree on the session's branch"),
      new Command("/help", "/help", "keys and commands"),
      new Command("/quit", "/quit", "leave (also Ctrl+C)"));

  private SlashCommands() {}

  public static boolean isCommand(String input) {
    return input.startsWith("/") && !input.startsWith("//");
  }

  /** Commands whose name starts with the first word of the input (empty unless it is a slash word). */
  public static List<Command> matches(String input) {
    if (!input.startsWith("/") || input.contains(" ") || input.contains("\n")) {
      return List.of();
    }
    List<Command> out = new ArrayList<>();
    for (Command c : ALL) {
      if (c.name().startsWith(input)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Tab completion: a unique match completes to the full name plus a space; several matches complete
   * to their longest common prefix; otherwise the input is returned unchanged.
   */
  public static String complete(String input) {
    List<Command> m = matches(input);
    if (m.isEmpty()) {
      return input;
    }
    if (m.size() == 1) {
      return m.get(0).name() + " ";
    }
    String prefix = m.get(0).name();
    for (Command c : m) {
      int i = 0;
      while (i < prefix.length() && i < c.name().length() && prefix.charAt(i) == c.name().charAt(i)) {
        i++;
      }
      prefix = prefix.substring(0, i);
    }
    return prefix.length() > input.length() ? prefix : input;
  }

  /** Parses "/name args"; null when the input is not a slash command. Unknown names parse too. */
  public static Invocation parse(String input) {
    String t = input.strip();
    if (!isCommand(t)) {
      return null;
    }
    int sp = t.indexOf(' ');
    String name = sp < 0 ? t : t.substring(0, sp);
    String args = sp < 0 ? "" : t.substring(sp + 1).strip();
    return new Invocation(name.toLowerCase(), args);
  }

  public static boolean known(String name) {
    return ALL.stream().anyMatch(c -> c.name().equals(name));
  }
}
