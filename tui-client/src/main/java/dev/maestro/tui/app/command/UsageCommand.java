package dev.maestro.tui.app.command;

import dev.maestro.tui.view.Tone;
import dev.maestro.tui.view.UsageView;
import java.util.regex.Pattern;

/** {@code /usage [day|model|user] [from [to]]}: usage and cost from GET /api/v1/usage, with the caller's budget. */
final class UsageCommand implements SlashCommand {
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  @Override
  public String name() {
    return "/usage";
  }

  @Override
  public void run(String args, CommandContext ctx) {
    String groupBy = "day";
    String from = null;
    String to = null;
    for (String word : args.isBlank() ? new String[0] : args.trim().split("\\s+")) {
      if (word.equals("day") || word.equals("model") || word.equals("user")) {
        groupBy = word;
      } else if (DATE.matcher(word).matches() && from == null) {
        from = word;
      } else if (DATE.matcher(word).matches() && to == null) {
        to = word;
      } else {
        ctx.state().error("usage: /usage [day|model|user] [from yyyy-mm-dd [to yyyy-mm-dd]]");
        return;
      }
    }
    ctx.onUi(ctx.api().usage(groupBy, from, to), usage -> ctx.state().chat.addNotice(UsageView.render(usage), Tone.SYSTEM));
  }
}
