package dev.maestro.tui.app.command;

import dev.maestro.tui.view.Tone;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Issue 16's slash commands: /steer, /plan and /build, /runs. */
final class RuntimeCommands {
  private RuntimeCommands() {}

  /** /steer text: stored by the server, added to the running turn before its next model request. */
  static SlashCommand steer() {
    return SlashCommand.of("/steer", List.of(), (args, ctx) -> {
      if (!ctx.requireSession()) {
        return;
      }
      if (args.isBlank()) {
        ctx.state().error("usage: /steer TEXT");
        return;
      }
      String sid = ctx.state().sessionId;
      ctx.onUi(ctx.api().sendMessage(sid, args, "steer"), ack -> {
        ctx.state().chat.addNotice("steered: " + args, Tone.DIM);
        ctx.state().flash = "steered into the running turn";
      });
    });
  }

  static SlashCommand mode(String name, String mode) {
    return SlashCommand.of(name, List.of(), (args, ctx) -> {
      if (!ctx.requireSession()) {
        return;
      }
      ctx.onUi(ctx.api().patchSession(ctx.state().sessionId, new JsonObject().put("mode", mode)), s -> {
        ctx.state().chat.addNotice("plan".equals(mode) ? "plan mode: only read-only tools run"
            : "build mode: tools run as their policies say", Tone.SYSTEM);
        ctx.state().flash = mode + " mode";
      });
    });
  }

  /** /runs: every run of the user across sessions. */
  static SlashCommand runs() {
    return SlashCommand.of("/runs", List.of(), (args, ctx) -> ctx.onUi(ctx.api().runs(), items -> {
      if (items.isEmpty()) {
        ctx.state().chat.addNotice("runs: nothing is running", Tone.SYSTEM);
        return;
      }
      StringBuilder sb = new StringBuilder("runs");
      for (JsonObject r : items) {
        String title = r.getString("title", "");
        sb.append("\n  ").append(String.format("%-17s", r.getString("status"))).append(' ')
            .append(title.isBlank() ? "(untitled)" : title).append("  ").append(r.getString("sessionId"));
        long queued = r.getLong("queued", 0L);
        if (queued > 0) {
          sb.append("  (").append(queued).append(" queued)");
        }
      }
      ctx.state().chat.addNotice(sb.toString(), Tone.SYSTEM);
    }));
  }
}
