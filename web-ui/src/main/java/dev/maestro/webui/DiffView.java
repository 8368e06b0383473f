package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A unified diff as the Changes panel shows it: one block per file ({path, status, additions, deletions}
 * from the changes operation) with its lines classed add / del / hunk / ctx, rendered (and escaped) by
 * the template, so the colours come from the server and no script parses diffs.
 */
final class DiffView {
  private DiffView() {}

  /** changes {files, diff} → [{path, status, additions, deletions, binary, lines:[{cls, text}]}]. */
  static JsonArray files(JsonObject changes) {
    JsonArray files = new JsonArray();
    JsonObject current = null;
    JsonArray lines = null;
    for (String line : changes.getString("diff", "").split("\n", -1)) {
      if (line.startsWith("diff --git ")) {
        lines = new JsonArray();
        current = new JsonObject().put("lines", lines).put("header", line.substring("diff --git ".length()));
        files.add(current);
        continue;
      }
      if (current == null || line.startsWith("index ") || line.startsWith("--- ") || line.startsWith("+++ ")
          || line.startsWith("new file mode") || line.startsWith("deleted file mode") || line.startsWith("similarity index")
          || line.startsWith("rename from") || line.startsWith("rename to")) {
        continue;
      }
      String cls = line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
      if (line.isEmpty()) continue;
      lines.add(new JsonObject().put("cls", cls).put("text", line));
    }
    // the stats and the path come from the structured list, in its order
    JsonArray out = new JsonArray();
    JsonArray listed = changes.getJsonArray("files", new JsonArray());
    for (int i = 0; i < listed.size(); i++) {
      JsonObject f = listed.getJsonObject(i).copy();
      JsonObject block = i < files.size() ? files.getJsonObject(i) : new JsonObject().put("lines", new JsonArray());
      f.put("lines", block.getJsonArray("lines"));
      f.put("is_" + f.getString("status", "modified"), true);
      out.add(f);
    }
    return out;
  }
}
