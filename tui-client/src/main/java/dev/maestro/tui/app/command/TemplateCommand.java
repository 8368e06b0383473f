package dev.maestro.tui.app.command;

import dev.maestro.tui.view.Tone;
import io.vertx.core.json.JsonObject;

/** {@code /template}: the templates; {@code /template NAME}: a new session from one (by name or id). */
final class TemplateCommand implements SlashCommand {
  @Override
  public String name() {
    return "/template";
  }

  @Override
  public void run(String args, CommandContext ctx) {
    ctx.onUi(ctx.api().listTemplates(), templates -> {
      if (args.isBlank()) {
        StringBuilder sb = new StringBuilder("templates");
        templates.forEach(t -> sb.append("\n  ").append(t.getString("name")).append("  ")
            .append(t.getString("provider", "")).append("/").append(t.getString("model", "")).append("  ")
            .append(t.getString("description", "")));
        ctx.state().chat.addNotice(templates.isEmpty() ? "no templates" : sb.toString(), Tone.SYSTEM);
        return;
      }
      JsonObject t = templates.stream()
          .filter(x -> args.equalsIgnoreCase(x.getString("name")) || args.equals(x.getString("id")))
          .findFirst().orElse(null);
      if (t == null) {
        ctx.state().error("no template named " + args);
        return;
      }
      ctx.createSession(new JsonObject().put("templateId", t.getString("id")).put("title", t.getString("name"))
          .put("provider", t.getString("provider")).put("model", t.getString("model")));
    });
  }
}
