package dev.maestro.tui.app.command;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /new [provider] [model] [--project NAME]}: a new session; what is left out is copied from the open
 * session. With {@code --project} the session works in its own git worktree of that project.
 */
final class NewSessionCommand implements SlashCommand {
  @Override
  public String name() {
    return "/new";
  }

  @Override
  public void run(String args, CommandContext ctx) {
    JsonObject current = ctx.state().chat.session();
    List<String> words = new ArrayList<>(List.of(args.isBlank() ? new String[0] : args.split("\\s+")));
    String project = null;
    int at = words.indexOf("--project");
    if (at >= 0) {
      if (at + 1 >= words.size()) {
        ctx.state().error("usage: /new [PROVIDER MODEL] --project NAME");
        return;
      }
      project = words.get(at + 1);
      words.remove(at + 1);
      words.remove(at);
    }
    String[] a = words.toArray(new String[0]);
    String provider = a.length > 0 ? a[0] : current.getString("provider");
    String model = a.length > 1 ? a[1] : current.getString("model");
    if (provider == null || model == null) {
      ctx.state().error("usage: /new PROVIDER MODEL (no current session to copy them from)");
      return;
    }
    JsonObject body = new JsonObject().put("provider", provider).put("model", model);
    // the same credential only when the provider is the same one, i.e. nothing was named
    if (a.length == 0 && current.getString("credentialId") != null) {
      body.put("credentialId", current.getString("credentialId"));
    }
    if (project == null) {
      ctx.createSession(body);
      return;
    }
    ctx.onUi(ProjectCommands.projectId(ctx.api(), project), id -> ctx.createSession(body.put("projectId", id)));
  }
}
