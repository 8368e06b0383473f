package dev.maestro.tui.app.command;

import java.util.List;

/**
 * One slash command. Its usage and help text are its entry in {@link dev.maestro.tui.view.SlashCommands#ALL}
 * (the catalogue completion and /help read); {@link CommandTable} pairs every entry with one command.
 */
public interface SlashCommand {
  /** The name as typed, with its slash: {@code /new}. */
  String name();

  /** Other names that run it ({@code /q}); not listed or completed. */
  default List<String> aliases() {
    return List.of();
  }

  /** Runs on the UI thread; {@code args} is the rest of the line, stripped. */
  void run(String args, CommandContext ctx);

  /** A command whose whole behaviour fits in a lambda. */
  static SlashCommand of(String name, List<String> aliases, Runner run) {
    return new SlashCommand() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public List<String> aliases() {
        return aliases;
      }

      @Override
      public void run(String args, CommandContext ctx) {
        run.run(args, ctx);
      }
    };
  }

  @FunctionalInterface
  interface Runner {
    void run(String args, CommandContext ctx);
  }
}
