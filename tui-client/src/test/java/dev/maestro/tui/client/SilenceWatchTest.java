package dev.maestro.tui.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.client.SilenceWatch.Action;
import org.junit.jupiter.api.Test;

class SilenceWatchTest {
  @Test
  void aQuietSocketIsAskedOnceAndDeclaredDeadOnlyWhenTheAskGoesUnanswered() {
    SilenceWatch w = new SilenceWatch(0, 2_000, 3_000);
    assertThat(w.tick(1_999)).isEqualTo(Action.NONE);
    assertThat(w.tick(2_000)).isEqualTo(Action.PING);
    assertThat(w.tick(2_500)).as("one ping outstanding at a time").isEqualTo(Action.NONE);
    assertThat(w.tick(4_999)).isEqualTo(Action.NONE);
    assertThat(w.tick(5_000)).isEqualTo(Action.DEAD);
  }

  @Test
  void anyFrameAnswersThePingAndRestartsTheCount() {
    SilenceWatch w = new SilenceWatch(0, 2_000, 3_000);
    assertThat(w.tick(2_000)).isEqualTo(Action.PING);
    w.onFrame(4_000); // the pong (or any event)
    assertThat(w.tick(5_500)).isEqualTo(Action.NONE);
    assertThat(w.tick(6_000)).isEqualTo(Action.PING);
  }

  @Test
  void aLateTickAsksFirstInsteadOfDeclaringDeadAtOnce() {
    // a background browser tab ticks once a minute: the silence alone never condemns the socket
    SilenceWatch w = new SilenceWatch(0, 2_000, 3_000);
    assertThat(w.tick(60_000)).isEqualTo(Action.PING);
    assertThat(w.tick(61_000)).isEqualTo(Action.NONE);
    assertThat(w.tick(120_000)).isEqualTo(Action.DEAD);
  }
}
