package dev.maestro.tui.app.command;

import dev.maestro.tui.view.Tone;
import dev.maestro.tui.view.ToolsView;

/** {@code /tools}: the tools with their policies; a red line when commands run without a sandbox. */
final class ToolsCommand implements SlashCommand {
  @Override
  public String name() {
    return "/tools";
  }

  @Override
  public void run(String args, CommandContext ctx) {
    ctx.onUi(ctx.api().listTools(), tools -> {
      ctx.state().chat.addNotice(ToolsView.list(tools), Tone.SYSTEM);
      String warning = ToolsView.sandboxWarning(tools);
      if (warning != null) {
        ctx.state().chat.addNotice(warning, Tone.ERROR);
      }
      ctx.sandboxWarning(warning);
    });
  }
}
