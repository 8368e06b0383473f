package dev.maestro.tui.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.client.SilenceWatch.Action;
import org.junit.jupiter.api.Test;

class SilenceWatchTest {
  @Test
  void aQuietSocketIsAskedOnceAndDeclaredDeadOnlyWhenTheAskGoesUnanswered() {
    SilenceWatch w = new SilenceWatch(0, 1_000, 5_000, 2_000);
    assertThat(w.tick(999, true)).isEqualTo(Action.NONE);
    assertThat(w.tick(1_000, true)).isEqualTo(Action.PING);
    assertThat(w.tick(1_500, true)).as("one ping outstanding at a time").isEqualTo(Action.NONE);
    assertThat(w.tick(2_999, true)).isEqualTo(Action.NONE);
    assertThat(w.tick(3_000, true)).isEqualTo(Action.DEAD);
  }

  @Test
  void aClientThatExpectsNothingAsksLater() {
    SilenceWatch w = new SilenceWatch(0, 1_000, 5_000, 2_000);
    assertThat(w.tick(4_999, false)).isEqualTo(Action.NONE);
    assertThat(w.tick(5_000, false)).isEqualTo(Action.PING);
    assertThat(w.tick(7_000, false)).isEqualTo(Action.DEAD);
  }

  @Test
  void anyFrameAnswersThePingAndRestartsTheCount() {
    SilenceWatch w = new SilenceWatch(0, 1_000, 5_000, 2_000);
    assertThat(w.tick(1_000, true)).isEqualTo(Action.PING);
    w.onFrame(2_500); // the pong (or any event)
    assertThat(w.tick(3_400, true)).isEqualTo(Action.NONE);
    assertThat(w.tick(3_500, true)).isEqualTo(Action.PING);
  }

  @Test
  void aLateTickAsksFirstInsteadOfDeclaringDeadAtOnce() {
    // a background browser tab ticks once a minute: the silence alone never condemns the socket
    SilenceWatch w = new SilenceWatch(0, 1_000, 5_000, 2_000);
    assertThat(w.tick(60_000, true)).isEqualTo(Action.PING);
    assertThat(w.tick(61_000, true)).isEqualTo(Action.NONE);
    assertThat(w.tick(120_000, true)).isEqualTo(Action.DEAD);
  }
}
