package dev.maestro.tui.view;

import java.util.ArrayList;
import java.util.List;

/**
 * The multi-line input box: a cursor over lines of text, plus a history of sent entries walked with
 * Up on the first line and Down on the last line (the unsent draft is kept while browsing).
 */
public final class InputEditor {
  private final List<StringBuilder> lines = new ArrayList<>();
  private final List<String> history = new ArrayList<>();
  private final int maxHistory;
  private int row;
  private int col;
  private int historyIndex = -1; // -1: editing the draft
  private String draft = "";

  public InputEditor() {
    this(200);
  }

  public InputEditor(int maxHistory) {
    this.maxHistory = maxHistory;
    lines.add(new StringBuilder());
  }

  public String text() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(lines.get(i));
    }
    return sb.toString();
  }

  public List<String> lines() {
    return lines.stream().map(StringBuilder::toString).toList();
  }

  public int row() {
    return row;
  }

  public int col() {
    return col;
  }

  public boolean isEmpty() {
    return lines.size() == 1 && lines.get(0).length() == 0;
  }

  public void insert(char c) {
    if (c == '\n') {
      newline();
      return;
    }
    lines.get(row).insert(col, c);
    col++;
  }

  public void insert(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\r') {
        insert(c);
      }
    }
  }

  public void newline() {
    StringBuilder cur = lines.get(row);
    String tail = cur.substring(col);
    cur.setLength(col);
    lines.add(row + 1, new StringBuilder(tail));
    row++;
    col = 0;
  }

  public void backspace() {
    if (col > 0) {
      lines.get(row).deleteCharAt(col - 1);
      col--;
    } else if (row > 0) {
      StringBuilder prev = lines.get(row - 1);
      col = prev.length();
      prev.append(lines.remove(row));
      row--;
    }
  }

  public void delete() {
    StringBuilder cur = lines.get(row);
    if (col < cur.length()) {
      cur.deleteCharAt(col);
    } else if (row < lines.size() - 1) {
      cur.append(lines.remove(row + 1));
    }
  }

  public void left() {
    if (col > 0) {
      col--;
    } else if (row > 0) {
      row--;
      col = lines.get(row).length();
    }
  }

  public void right() {
    if (col < lines.get(row).length()) {
      col++;
    } else if (row < lines.size() - 1) {
      row++;
      col = 0;
    }
  }

  /** Moves up a line, or on the first line recalls the previous history entry. */
  public void up() {
    if (row > 0) {
      row--;
      col = Math.min(col, lines.get(row).length());
    } else {
      historyPrevious();
    }
  }

  /** Moves down a line, or on the last line goes forward in history. */
  public void down() {
    if (row < lines.size() - 1) {
      row++;
      col = Math.min(col, lines.get(row).length());
    } else {
      historyNext();
    }
  }

  public void home() {
    col = 0;
  }

  public void end() {
    col = lines.get(row).length();
  }

  /** Deletes from the cursor back to the start of the line (Ctrl+U). */
  public void killToLineStart() {
    lines.get(row).delete(0, col);
    col = 0;
  }

  public void historyPrevious() {
    if (history.isEmpty()) {
      return;
    }
    if (historyIndex == -1) {
      draft = text();
      historyIndex = history.size() - 1;
    } else if (historyIndex > 0) {
      historyIndex--;
    } else {
      return;
    }
    load(history.get(historyIndex));
  }

  public void historyNext() {
    if (historyIndex == -1) {
      return;
    }
    if (historyIndex < history.size() - 1) {
      historyIndex++;
      load(history.get(historyIndex));
    } else {
      historyIndex = -1;
      load(draft);
    }
  }

  /** Returns the text, records it in history (unless blank or a repeat of the last entry) and clears. */
  public String submit() {
    String t = text();
    if (!t.isBlank() && (history.isEmpty() || !history.get(history.size() - 1).equals(t))) {
      history.add(t);
      if (history.size() > maxHistory) {
        history.remove(0);
      }
    }
    clear();
    return t;
  }

  public void clear() {
    historyIndex = -1;
    draft = "";
    load("");
  }

  /** Replaces the whole text and puts the cursor at its end. */
  public void setText(String text) {
    load(text);
  }

  public List<String> history() {
    return List.copyOf(history);
  }

  private void load(String text) {
    lines.clear();
    for (String l : text.split("\n", -1)) {
      lines.add(new StringBuilder(l));
    }
    row = lines.size() - 1;
    col = lines.get(row).length();
  }
}
