package dev.maestro.tui.app;

import dev.maestro.tui.view.InputEditor;
import java.util.function.Consumer;

/** A one-line question over the current view ("rename to", "delete …? y/n") and what its answer does. */
public final class PromptLine {
  public final InputEditor input = new InputEditor(0);
  private Mode returnTo = Mode.CHAT;
  private String label = "";
  private boolean singleKey;
  private Consumer<String> action = s -> { };

  void open(Mode from, String label, String initial, boolean singleKey, Consumer<String> action) {
    this.returnTo = from;
    this.label = label;
    this.singleKey = singleKey;
    this.action = action;
    input.setText(initial);
  }

  public Mode returnTo() {
    return returnTo;
  }

  public String label() {
    return label;
  }

  /** A y/n question: the first key answers it. */
  public boolean singleKey() {
    return singleKey;
  }

  Consumer<String> action() {
    return action;
  }
}
