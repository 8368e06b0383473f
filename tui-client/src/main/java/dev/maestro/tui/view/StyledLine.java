package dev.maestro.tui.view;

import java.util.ArrayList;
import java.util.List;

/** One screen line made of styled spans; never longer than the width it was laid out for. */
public record StyledLine(List<Span> spans) {
  public static final StyledLine EMPTY = new StyledLine(List.of());

  public static StyledLine of(Span... spans) {
    return new StyledLine(List.of(spans));
  }

  public static StyledLine plain(String text, Tone tone) {
    return new StyledLine(List.of(Span.of(text, tone)));
  }

  public String plain() {
    StringBuilder sb = new StringBuilder();
    for (Span s : spans) {
      sb.append(s.text());
    }
    return sb.toString();
  }

  public int length() {
    int n = 0;
    for (Span s : spans) {
      n += s.text().length();
    }
    return n;
  }

  /** Merges neighbouring spans of the same style, which keeps terminal output small. */
  static StyledLine compact(List<Span> spans) {
    List<Span> out = new ArrayList<>();
    for (Span s : spans) {
      if (s.text().isEmpty()) {
        continue;
      }
      if (!out.isEmpty() && out.get(out.size() - 1).sameStyle(s)) {
        Span last = out.remove(out.size() - 1);
        out.add(last.withText(last.text() + s.text()));
      } else {
        out.add(s);
      }
    }
    return new StyledLine(List.copyOf(out));
  }
}
