package dev.maestro.tui.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CliArgsTest {

  @Test
  void interactiveOptions() {
    CliArgs a = CliArgs.parse(new String[] {"--url", "http://h:1", "--token=t", "--session", "s1"});
    assertThat(a.mode()).isEqualTo("interactive");
    assertThat(a.url()).isEqualTo("http://h:1");
    assertThat(a.token()).isEqualTo("t");
    assertThat(a.session()).isEqualTo("s1");
  }

  @Test
  void sendModeJoinsTheTextAndTakesApproveAndTimeout() {
    CliArgs a = CliArgs.parse(new String[] {"send", "--session", "s1", "--approve", "deny", "--timeout", "9", "hello",
        "there"});
    assertThat(a.mode()).isEqualTo("send");
    assertThat(a.text()).isEqualTo("hello there");
    assertThat(a.approve()).isEqualTo("deny");
    assertThat(a.timeoutSeconds()).isEqualTo(9);
  }

  @Test
  void sendNeedsASessionAndText() {
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"send", "hi"})).hasMessageContaining("--session");
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"send", "--session", "s"})).hasMessageContaining("text");
  }

  @Test
  void rejectsUnknownOptionsAndBadValues() {
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"--nope"})).hasMessageContaining("--nope");
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"--url"})).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"send", "--session", "s", "--approve", "yes", "x"}))
        .hasMessageContaining("allow or deny");
  }
}
