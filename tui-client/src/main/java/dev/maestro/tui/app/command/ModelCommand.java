package dev.maestro.tui.app.command;

import dev.maestro.tui.view.Tone;
import io.vertx.core.json.JsonObject;

/** {@code /model}: the provider's models; {@code /model NAME}: switch the open session's model. */
final class ModelCommand implements SlashCommand {
  @Override
  public String name() {
    return "/model";
  }

  @Override
  public void run(String args, CommandContext ctx) {
    if (args.isBlank()) {
      ctx.onUi(ctx.api().listModels(ctx.state().chat.session().getString("provider")), models -> {
        StringBuilder sb = new StringBuilder("models");
        models.forEach(m -> sb.append("\n  ").append(m.getString("id")).append("  ").append(m.getString("displayName", "")));
        ctx.state().chat.addNotice(models.isEmpty() ? "no models listed" : sb.toString(), Tone.SYSTEM);
      });
    } else if (ctx.requireSession()) {
      ctx.onUi(ctx.api().patchSession(ctx.state().sessionId, new JsonObject().put("model", args)), s -> {
        ctx.state().chat.updateSession(s.isEmpty() ? new JsonObject().put("model", args) : s);
        ctx.state().chat.addNotice("model is now " + ctx.state().chat.session().getString("model"), Tone.SYSTEM);
      });
    }
  }
}
