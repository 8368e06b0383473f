package dev.maestro.tui.view;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The session picker: the items of the last search, a query being typed and a selection. The query
 * filters titles locally at once; the server's full-text results replace the items when they arrive.
 */
public final class SessionList {
  private List<JsonObject> items = List.of();
  private final StringBuilder query = new StringBuilder();
  private int selected;

  public void setItems(List<JsonObject> newItems) {
    String keep = selectedId();
    items = List.copyOf(newItems);
    selected = 0;
    List<JsonObject> visible = visible();
    for (int i = 0; i < visible.size(); i++) {
      if (visible.get(i).getString("id").equals(keep)) {
        selected = i;
      }
    }
  }

  public String query() {
    return query.toString();
  }

  public void type(char c) {
    query.append(c);
    selected = 0;
  }

  public void backspace() {
    if (query.length() > 0) {
      query.setLength(query.length() - 1);
      selected = 0;
    }
  }

  public void clearQuery() {
    query.setLength(0);
    selected = 0;
  }

  /**
   * Items matching the query: the server already filtered by full text when it was asked with this
   * query, so locally only a title/id match or a server hit is needed.
   */
  public List<JsonObject> visible() {
    String q = query.toString().toLowerCase(Locale.ROOT).strip();
    if (q.isEmpty()) {
      return items;
    }
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject s : items) {
      String hay = (s.getString("title", "") + " " + s.getString("id", "") + " " + s.getString("model", ""))
          .toLowerCase(Locale.ROOT);
      if (hay.contains(q) || Boolean.TRUE.equals(s.getBoolean("_serverHit"))) {
        out.add(s);
      }
    }
    return out;
  }

  public void up() {
    if (selected > 0) {
      selected--;
    }
  }

  public void down() {
    if (selected < visible().size() - 1) {
      selected++;
    }
  }

  public int selectedIndex() {
    return selected;
  }

  public JsonObject selected() {
    List<JsonObject> v = visible();
    return v.isEmpty() ? null : v.get(Math.min(selected, v.size() - 1));
  }

  public String selectedId() {
    JsonObject s = selected();
    return s == null ? null : s.getString("id");
  }

  /** One row: title, provider/model, message count, and how many clients have it open. */
  public static String row(JsonObject s, String currentId) {
    String title = s.getString("title");
    if (title == null || title.isBlank()) {
      title = "(untitled " + shortId(s.getString("id")) + ")";
    }
    int open = s.getJsonArray("openIn") == null ? 0 : s.getJsonArray("openIn").size();
    return (s.getString("id", "").equals(currentId) ? "* " : "  ") + title
        + "  ·  " + s.getString("provider", "?") + "/" + s.getString("model", "?")
        + "  ·  " + s.getInteger("messageCount", 0) + " msgs"
        + (open > 0 ? "  ·  open in " + open : "");
  }

  public static String shortId(String id) {
    return id == null ? "?" : id.length() > 8 ? id.substring(0, 8) : id;
  }
}
