package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownToTerminalTest {

  private static List<String> plain(List<StyledLine> lines) {
    return lines.stream().map(StyledLine::plain).toList();
  }

  private static Span spanWith(List<StyledLine> lines, String text) {
    return lines.stream().flatMap(l -> l.spans().stream()).filter(s -> s.text().contains(text)).findFirst()
        .orElseThrow(() -> new AssertionError("no span with " + text + " in " + plain(lines)));
  }

  @Test
  void emphasisBecomesStylesWithoutMarkers() {
    List<StyledLine> lines = MarkdownToTerminal.render("some **bold** and *italic* and `code`", 80);
    assertThat(plain(lines)).containsExactly("some bold and italic and code");
    assertThat(spanWith(lines, "bold").bold()).isTrue();
    assertThat(spanWith(lines, "italic").italic()).isTrue();
    assertThat(spanWith(lines, "code").tone()).isEqualTo(Tone.CODE);
    assertThat(spanWith(lines, "some").bold()).isFalse();
  }

  @Test
  void fencedCodeIsIndentedInCodeToneAndNotReflowed() {
    String md = "Look:\n\n```java\nint x = 1;\n  if (x) {  return; }\n```\n";
    List<StyledLine> lines = MarkdownToTerminal.render(md, 80);
    assertThat(plain(lines)).containsExactly("Look:", "", "  [java]", "  int x = 1;", "    if (x) {  return; }");
    assertThat(spanWith(lines, "int x").tone()).isEqualTo(Tone.CODE);
  }

  @Test
  void listsGetBulletsNumbersAndHangingIndents() {
    String md = "- apples\n- a longer item that must wrap onto the next line\n\n1. first\n2. second\n";
    List<StyledLine> lines = MarkdownToTerminal.render(md, 24);
    assertThat(plain(lines)).containsExactly(
        "• apples",
        "• a longer item that",
        "  must wrap onto the",
        "  next line",
        "",
        "1. first",
        "2. second");
  }

  @Test
  void nestedListsIndent() {
    List<StyledLine> lines = MarkdownToTerminal.render("- outer\n  - inner\n- next\n", 40);
    assertThat(plain(lines)).containsExactly("• outer", "  ◦ inner", "• next");
  }

  @Test
  void headingsQuotesLinksAndRules() {
    String md = "## Title\n\n> quoted words\n\nsee [docs](https://x.dev)\n\n---\n";
    List<StyledLine> lines = MarkdownToTerminal.render(md, 40);
    assertThat(plain(lines)).containsExactly("## Title", "", "│ quoted words", "", "see docs (https://x.dev)", "",
        "─".repeat(40));
    assertThat(spanWith(lines, "Title").bold()).isTrue();
    assertThat(spanWith(lines, "docs").tone()).isEqualTo(Tone.LINK);
  }

  @Test
  void paragraphsWrapAtWordsAndCutOverlongWords() {
    List<StyledLine> lines = MarkdownToTerminal.render("aaa bbb ccc dddddddddddd", 8);
    assertThat(plain(lines)).containsExactly("aaa bbb", "ccc", "dddddddd", "dddd");
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(8));
  }

  @Test
  void unfinishedMarkdownWhileStreamingStillRenders() {
    List<StyledLine> lines = MarkdownToTerminal.render("partial **bold and\n```py\nprint(1", 40);
    assertThat(plain(lines)).contains("  print(1");
  }
}
