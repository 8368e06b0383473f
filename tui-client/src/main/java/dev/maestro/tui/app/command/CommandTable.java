package dev.maestro.tui.app.command;

import dev.maestro.tui.app.KeyBindings;
import dev.maestro.tui.app.Mode;
import dev.maestro.tui.view.SlashCommands;
import dev.maestro.tui.view.Tone;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The slash commands by name: one {@link SlashCommand} per entry of the catalogue
 * ({@link SlashCommands#ALL}), checked when the table is built so a command cannot be listed
 * without running or run without being listed. /help is generated from the catalogue and the key table.
 */
public final class CommandTable {
  private final Map<String, SlashCommand> byName = new LinkedHashMap<>();

  public CommandTable(List<SlashCommand> commands) {
    for (SlashCommand c : commands) {
      register(c.name(), c);
      c.aliases().forEach(a -> register(a, c));
    }
    Set<String> listed = SlashCommands.ALL.stream().map(SlashCommands.Command::name).collect(Collectors.toCollection(TreeSet::new));
    Set<String> runnable = commands.stream().map(SlashCommand::name).collect(Collectors.toCollection(TreeSet::new));
    if (!listed.equals(runnable)) {
      throw new IllegalStateException("slash commands listed " + listed + " but runnable " + runnable);
    }
  }

  private void register(String name, SlashCommand c) {
    if (byName.putIfAbsent(name, c) != null) {
      throw new IllegalStateException("two slash commands named " + name);
    }
  }

  /** Every command of the client. */
  public static CommandTable standard() {
    return new CommandTable(List.of(
        new NewSessionCommand(),
        SlashCommand.of("/sessions", List.of(), (args, ctx) -> ctx.openSessionList()),
        new ModelCommand(),
        new TemplateCommand(),
        new ToolsCommand(),
        SlashCommand.of("/cancel", List.of(), (args, ctx) -> {
          if (ctx.requireSession()) {
            ctx.cancelTurn();
            ctx.state().flash = "cancel requested";
          }
        }),
        new AnswerQuestionCommand("/accept"),
        new AnswerQuestionCommand("/decline"),
        SlashCommand.of("/compact", List.of(), (args, ctx) -> {
          if (ctx.requireSession()) {
            ctx.onUi(ctx.api().compact(ctx.state().sessionId), v -> ctx.state().chat.addNotice("compaction requested", Tone.SYSTEM));
          }
        }),
        new ExportCommand(),
        SlashCommand.of("/rename", List.of(), (args, ctx) -> {
          if (ctx.requireSession()) {
            if (args.isBlank()) {
              ctx.state().error("usage: /rename TITLE");
            } else {
              ctx.rename(ctx.state().sessionId, args);
            }
          }
        }),
        SlashCommand.of("/thinking", List.of(), (args, ctx) -> ctx.state().showThinking = !ctx.state().showThinking),
        new UsageCommand(),
        RuntimeCommands.steer(),
        RuntimeCommands.mode("/plan", "plan"),
        RuntimeCommands.mode("/build", "build"),
        RuntimeCommands.runs(),
        ProjectCommands.diff(),
        ProjectCommands.undo(),
        ProjectCommands.commit(),
        SlashCommand.of("/help", List.of(), (args, ctx) -> ctx.state().chat.addNotice(help(), Tone.SYSTEM)),
        SlashCommand.of("/quit", List.of("/exit", "/q"), (args, ctx) -> ctx.quit())));
  }

  /** The command a name (or alias) runs; null when unknown. */
  public SlashCommand find(String name) {
    return byName.get(name);
  }

  public void run(SlashCommands.Invocation invocation, CommandContext ctx) {
    SlashCommand c = find(invocation.name());
    if (c == null) {
      ctx.state().error("unknown command " + invocation.name() + " (/help lists them)");
    } else {
      c.run(invocation.args(), ctx);
    }
  }

  /** /help: every listed command with its usage, then the chat's keys from the key table. */
  public static String help() {
    StringBuilder sb = new StringBuilder("commands");
    for (SlashCommands.Command c : SlashCommands.ALL) {
      sb.append("\n  ").append(String.format("%-28s", c.usage())).append(c.help());
    }
    sb.append("\nkeys");
    StringBuilder line = new StringBuilder();
    for (String key : KeyBindings.help(Mode.CHAT)) {
      if (line.length() > 0 && line.length() + key.length() > 88) {
        sb.append("\n  ").append(line);
        line.setLength(0);
      }
      line.append(line.length() == 0 ? "" : " · ").append(key);
    }
    if (line.length() > 0) {
      sb.append("\n  ").append(line);
    }
    return sb.append("\n  start a message with // to send a literal leading slash").toString();
  }
}
