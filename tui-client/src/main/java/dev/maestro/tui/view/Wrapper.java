package dev.maestro.tui.view;

import java.util.ArrayList;
import java.util.List;

/**
 * Word-wraps styled text to a width, keeping each character's style. A word longer than the
 * line is cut hard. Newlines inside spans start new lines.
 */
final class Wrapper {
  private Wrapper() {}

  private record Cell(char c, Span style) {}

  static List<StyledLine> wrap(List<Span> text, int width, List<Span> firstPrefix, List<Span> restPrefix) {
    List<List<Cell>> paragraphs = new ArrayList<>();
    List<Cell> current = new ArrayList<>();
    paragraphs.add(current);
    for (Span s : text) {
      for (int i = 0; i < s.text().length(); i++) {
        char c = s.text().charAt(i);
        if (c == '\n') {
          current = new ArrayList<>();
          paragraphs.add(current);
        } else if (c == '\t') {
          for (int k = 0; k < 4; k++) {
            current.add(new Cell(' ', s));
          }
        } else if (c >= ' ' || c > 127) {
          current.add(new Cell(c, s));
        }
      }
    }
    List<StyledLine> lines = new ArrayList<>();
    for (List<Cell> para : paragraphs) {
      wrapParagraph(para, width, firstPrefix, restPrefix, lines);
    }
    return lines;
  }

  private static void wrapParagraph(List<Cell> cells, int width, List<Span> firstPrefix, List<Span> restPrefix,
      List<StyledLine> out) {
    List<Cell> line = new ArrayList<>();
    boolean emitted = false;
    int i = 0;
    int n = cells.size();
    while (i < n) {
      int avail = Math.max(1, width - prefixLength(emitted ? restPrefix : firstPrefix));
      int start = i;
      while (i < n && cells.get(i).c() == ' ') {
        i++;
      }
      int wordStart = i;
      while (i < n && cells.get(i).c() != ' ') {
        i++;
      }
      List<Cell> spaces = cells.subList(start, wordStart);
      List<Cell> word = cells.subList(wordStart, i);
      // leading spaces of a paragraph are kept (indentation); spaces at a wrap point are dropped
      boolean keepSpaces = !line.isEmpty() || start == 0;
      int needed = (keepSpaces ? spaces.size() : 0) + word.size();
      if (line.size() + needed <= avail) {
        if (keepSpaces) {
          line.addAll(spaces);
        }
        line.addAll(word);
        continue;
      }
      if (!line.isEmpty()) {
        out.add(toLine(emitted ? restPrefix : firstPrefix, line));
        emitted = true;
        line = new ArrayList<>();
        avail = Math.max(1, width - prefixLength(restPrefix));
      }
      List<Cell> rest = new ArrayList<>(word);
      while (rest.size() > avail) {
        out.add(toLine(emitted ? restPrefix : firstPrefix, rest.subList(0, avail)));
        emitted = true;
        rest = new ArrayList<>(rest.subList(avail, rest.size()));
        avail = Math.max(1, width - prefixLength(restPrefix));
      }
      line = rest;
    }
    out.add(toLine(emitted ? restPrefix : firstPrefix, line));
  }

  private static int prefixLength(List<Span> prefix) {
    int n = 0;
    for (Span s : prefix) {
      n += s.text().length();
    }
    return n;
  }

  private static StyledLine toLine(List<Span> prefix, List<Cell> cells) {
    List<Span> spans = new ArrayList<>(prefix);
    StringBuilder sb = new StringBuilder();
    Span style = null;
    for (Cell cell : cells) {
      if (style != null && !style.sameStyle(cell.style())) {
        spans.add(style.withText(sb.toString()));
        sb.setLength(0);
      }
      style = cell.style();
      sb.append(cell.c());
    }
    if (style != null) {
      spans.add(style.withText(sb.toString()));
    }
    return StyledLine.compact(spans);
  }
}
