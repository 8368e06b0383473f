package dev.maestro.tui.view;

/** What a piece of text is, so the terminal layer can pick colours without the view model knowing any. */
public enum Tone {
  NORMAL, DIM, USER, ASSISTANT, HEADING, CODE, LINK, QUOTE, TOOL, APPROVAL, ERROR, SYSTEM, THINKING, DIFF_ADD, DIFF_DEL, DIFF_HUNK
}
