package dev.maestro.tui.app.command;

import dev.maestro.tui.view.Tone;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The commands of a project session (issue 15): {@code /diff} shows the worktree's uncommitted changes with
 * added lines green, removed red, hunk headers cyan (in the chat, so it scrolls like the conversation);
 * {@code /undo} restores the checkpoint of the last turn that changed files; {@code /commit message} commits
 * on the session's branch.
 */
final class ProjectCommands {
  private ProjectCommands() {}

  static SlashCommand diff() {
    return SlashCommand.of("/diff", List.of(), (args, ctx) -> {
      if (!ctx.requireSession()) {
        return;
      }
      ctx.onUi(ctx.api().changes(ctx.state().sessionId), c -> {
        JsonArray files = c.getJsonArray("files", new JsonArray());
        if (files.isEmpty()) {
          ctx.state().chat.addNotice("no uncommitted changes on " + c.getString("branch"), Tone.SYSTEM);
          return;
        }
        StringBuilder summary = new StringBuilder("changes on " + c.getString("branch") + ":");
        for (Object o : files) {
          JsonObject f = (JsonObject) o;
          summary.append("\n  ").append(f.getString("status")).append(' ').append(f.getString("path"))
              .append(" +").append(f.getInteger("additions", 0)).append(" -").append(f.getInteger("deletions", 0));
        }
        ctx.state().chat.addNotice(summary.toString(), Tone.HEADING);
        for (String line : c.getString("diff", "").split("\n")) {
          if (line.isEmpty() || line.startsWith("index ")) {
            continue;
          }
          ctx.state().chat.addNotice(line, tone(line));
        }
      });
    });
  }

  static Tone tone(String line) {
    if (line.startsWith("diff --git") || line.startsWith("+++") || line.startsWith("---")) {
      return Tone.HEADING;
    }
    if (line.startsWith("@@")) {
      return Tone.DIFF_HUNK;
    }
    return line.startsWith("+") ? Tone.DIFF_ADD : line.startsWith("-") ? Tone.DIFF_DEL : Tone.NORMAL;
  }

  static SlashCommand undo() {
    return SlashCommand.of("/undo", List.of(), (args, ctx) -> {
      if (!ctx.requireSession()) {
        return;
      }
      String sid = ctx.state().sessionId;
      ctx.onUi(ctx.api().checkpoints(sid).compose(list -> {
        for (JsonObject c : list) {
          JsonArray changed = c.getJsonArray("filesChanged");
          if (changed != null && !changed.isEmpty()) {
            return ctx.api().restore(sid, c.getString("id"));
          }
        }
        return io.vertx.core.Future.succeededFuture(null);
      }), r -> {
        if (r == null) {
          ctx.state().chat.addNotice("nothing to undo: no turn changed files", Tone.SYSTEM);
        } else {
          ctx.state().chat.addNotice("undone: " + String.join(", ", r.getJsonArray("files", new JsonArray()).stream()
              .map(String::valueOf).toList()) + " restored", Tone.SYSTEM);
        }
      });
    });
  }

  static SlashCommand commit() {
    return SlashCommand.of("/commit", List.of(), (args, ctx) -> {
      if (!ctx.requireSession()) {
        return;
      }
      if (args.isBlank()) {
        ctx.state().error("usage: /commit MESSAGE");
        return;
      }
      ctx.onUi(ctx.api().commit(ctx.state().sessionId, args), c -> ctx.state().chat.addNotice(
          "committed " + c.getString("commit").substring(0, 10) + " on " + c.getString("branch"), Tone.SYSTEM));
    });
  }

  /** {@code --project NAME} → the project's id (a failed future naming the choices when there is none). */
  static io.vertx.core.Future<String> projectId(dev.maestro.tui.client.GatewayClient api, String name) {
    return api.listProjects().compose(list -> {
      for (JsonObject p : list) {
        if (name.equals(p.getString("name"))) {
          return io.vertx.core.Future.succeededFuture(p.getString("id"));
        }
      }
      return io.vertx.core.Future.failedFuture(new IllegalArgumentException("no project named " + name + " (yours: "
          + String.join(", ", list.stream().map(p -> p.getString("name")).toList()) + ")"));
    });
  }
}
