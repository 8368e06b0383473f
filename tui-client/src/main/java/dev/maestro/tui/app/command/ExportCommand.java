package dev.maestro.tui.app.command;

import dev.maestro.tui.view.SessionList;
import dev.maestro.tui.view.Tone;
import java.nio.file.Path;

/** {@code /export [file.md|file.json]}: the open session to a file; the format follows the extension. */
final class ExportCommand implements SlashCommand {
  @Override
  public String name() {
    return "/export";
  }

  @Override
  public void run(String args, CommandContext ctx) {
    if (!ctx.requireSession()) {
      return;
    }
    String sessionId = ctx.state().sessionId;
    String file = args.isBlank() ? "maestro-" + SessionList.shortId(sessionId) + ".md" : args;
    String format = file.endsWith(".json") ? "json" : "markdown";
    Path path = Path.of(file).toAbsolutePath();
    ctx.onUi(ctx.api().export(sessionId, format).compose(b -> ctx.writeFile(path, b)),
        v -> ctx.state().chat.addNotice("exported to " + path, Tone.SYSTEM));
  }
}
