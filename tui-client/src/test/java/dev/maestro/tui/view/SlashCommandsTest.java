package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlashCommandsTest {

  @Test
  void everyCommandOfTheIssueIsKnown() {
    for (String c : new String[] {"/new", "/sessions", "/model", "/template", "/tools", "/cancel", "/compact",
        "/export", "/help", "/quit"}) {
      assertThat(SlashCommands.known(c)).as(c).isTrue();
    }
  }

  @Test
  void uniquePrefixCompletesToTheCommandAndASpace() {
    assertThat(SlashCommands.complete("/q")).isEqualTo("/quit ");
    assertThat(SlashCommands.complete("/se")).isEqualTo("/sessions ");
  }

  @Test
  void ambiguousPrefixCompletesToTheCommonPart() {
    assertThat(SlashCommands.matches("/t")).extracting(SlashCommands.Command::name)
        .containsExactly("/template", "/tools", "/thinking");
    assertThat(SlashCommands.complete("/t")).isEqualTo("/t");
    // /compact and /commit share "/com"; one more letter settles it
    assertThat(SlashCommands.complete("/co")).isEqualTo("/com");
    assertThat(SlashCommands.complete("/comp")).isEqualTo("/compact ");
    assertThat(SlashCommands.matches("/c")).extracting(SlashCommands.Command::name)
        .containsExactly("/cancel", "/compact", "/commit");
    assertThat(SlashCommands.complete("/c")).isEqualTo("/c");
  }

  @Test
  void noCompletionOnceArgumentsAreTyped() {
    assertThat(SlashCommands.matches("/model x")).isEmpty();
    assertThat(SlashCommands.complete("/model x")).isEqualTo("/model x");
    assertThat(SlashCommands.complete("hello")).isEqualTo("hello");
  }

  @Test
  void parsesNameAndArguments() {
    assertThat(SlashCommands.parse("/new anthropic claude-x")).isEqualTo(
        new SlashCommands.Invocation("/new", "anthropic claude-x"));
    assertThat(SlashCommands.parse("  /QUIT ")).isEqualTo(new SlashCommands.Invocation("/quit", ""));
    assertThat(SlashCommands.parse("plain text")).isNull();
    assertThat(SlashCommands.parse("//not a command")).isNull();
  }
}
