package dev.maestro.tui.app.command;

import io.vertx.core.json.JsonObject;

/** {@code /new [provider] [model]}: a new session; what is left out is copied from the open session. */
final class NewSessionCommand implements SlashCommand {
  @Override
  public String name() {
    return "/new";
  }

  @Override
  public void run(String args, CommandContext ctx) {
    JsonObject current = ctx.state().chat.session();
    String[] a = args.isBlank() ? new String[0] : args.split("\\s+");
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
    ctx.createSession(body);
  }
}
