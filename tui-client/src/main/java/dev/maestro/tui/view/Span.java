package dev.maestro.tui.view;

/** A run of text with one style. */
public record Span(String text, Tone tone, boolean bold, boolean italic) {
  public static Span of(String text, Tone tone) {
    return new Span(text, tone, false, false);
  }

  public static Span bold(String text, Tone tone) {
    return new Span(text, tone, true, false);
  }

  boolean sameStyle(Span other) {
    return tone == other.tone && bold == other.bold && italic == other.italic;
  }

  Span withText(String newText) {
    return new Span(newText, tone, bold, italic);
  }
}
