package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InputEditorTest {

  @Test
  void typingAndNewlinesBuildMultiLineText() {
    InputEditor e = new InputEditor();
    e.insert("first");
    e.newline();
    e.insert("second");
    assertThat(e.text()).isEqualTo("first\nsecond");
    assertThat(e.lines()).containsExactly("first", "second");
    assertThat(e.row()).isEqualTo(1);
    assertThat(e.col()).isEqualTo(6);
  }

  @Test
  void newlineInTheMiddleSplitsTheLineAndBackspaceJoinsItAgain() {
    InputEditor e = new InputEditor();
    e.insert("helloworld");
    for (int i = 0; i < 5; i++) {
      e.left();
    }
    e.newline();
    assertThat(e.lines()).containsExactly("hello", "world");
    assertThat(e.col()).isZero();
    e.backspace();
    assertThat(e.text()).isEqualTo("helloworld");
    assertThat(e.col()).isEqualTo(5);
  }

  @Test
  void deleteAtEndOfLinePullsUpTheNextLine() {
    InputEditor e = new InputEditor();
    e.insert("a\nb");
    e.up();
    e.end();
    e.delete();
    assertThat(e.text()).isEqualTo("ab");
  }

  @Test
  void cursorMovesAcrossLinesAndClampsColumn() {
    InputEditor e = new InputEditor();
    e.insert("long line\nab");
    e.up();
    assertThat(e.row()).isZero();
    assertThat(e.col()).isEqualTo(2);
    e.end();
    e.down();
    assertThat(e.row()).isEqualTo(1);
    assertThat(e.col()).isEqualTo(2);
    e.home();
    e.left();
    assertThat(e.row()).isZero();
    assertThat(e.col()).isEqualTo(9);
    e.right();
    assertThat(e.row()).isEqualTo(1);
    assertThat(e.col()).isZero();
  }

  @Test
  void submitReturnsTextClearsAndRecordsHistory() {
    InputEditor e = new InputEditor();
    e.insert("one");
    assertThat(e.submit()).isEqualTo("one");
    assertThat(e.isEmpty()).isTrue();
    e.insert("two");
    e.submit();
    e.insert("two");
    e.submit(); // a repeat is not recorded twice
    e.submit(); // blank is not recorded
    assertThat(e.history()).containsExactly("one", "two");
  }

  @Test
  void upAndDownWalkHistoryAndRestoreTheDraft() {
    InputEditor e = new InputEditor();
    e.insert("one");
    e.submit();
    e.insert("two\nlines");
    e.submit();
    e.insert("draft");
    e.up();
    assertThat(e.text()).isEqualTo("two\nlines");
    e.up(); // cursor is on the last line of the recalled entry: moves up inside it first
    assertThat(e.text()).isEqualTo("two\nlines");
    e.up();
    assertThat(e.text()).isEqualTo("one");
    e.up();
    assertThat(e.text()).isEqualTo("one");
    e.down();
    assertThat(e.text()).isEqualTo("two\nlines");
    e.down();
    assertThat(e.text()).isEqualTo("draft");
  }

  @Test
  void killToLineStartDeletesBeforeTheCursor() {
    InputEditor e = new InputEditor();
    e.insert("keep\nremove this");
    e.killToLineStart();
    assertThat(e.text()).isEqualTo("keep\n");
  }

  @Test
  void historyIsBounded() {
    InputEditor e = new InputEditor(2);
    for (String s : new String[] {"a", "b", "c"}) {
      e.insert(s);
      e.submit();
    }
    assertThat(e.history()).containsExactly("b", "c");
  }
}
