package dev.maestro.session;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Which side of a split leaves the departed members' sessions alone (chaos partition, issue 17). */
class SplitSideTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final SplitSide side = new SplitSide(now::get);

  @Test
  void aNodeCutOffFromMostOfTheClusterIsOnTheSmallerSide() {
    // chaos partition: 11 members, host 3's two cut off; each sees the others leave one by one
    for (int before = 11; before > 2; before--) side.memberLeft(before);
    assertThat(side.smaller(2)).isTrue();
    // the larger side lost two members only
    SplitSide larger = new SplitSide(now::get);
    larger.memberLeft(11);
    larger.memberLeft(10);
    assertThat(larger.smaller(9)).isFalse();
  }

  @Test
  void aCrashOrAnEvenSplitIsNotASmallerSide() {
    side.memberLeft(2);
    assertThat(side.smaller(1)).as("two nodes, one killed: the survivor takes over").isFalse();
    SplitSide even = new SplitSide(now::get);
    even.memberLeft(4);
    even.memberLeft(3);
    assertThat(even.smaller(2)).isFalse();
    assertThat(new SplitSide(now::get).smaller(1)).as("nothing left yet").isFalse();
  }

  @Test
  void departuresOlderThanTheWindowNoLongerCount() {
    side.memberLeft(10);
    assertThat(side.smaller(3)).isTrue();
    now.addAndGet(SplitSide.WINDOW_MS + 1);
    assertThat(side.smaller(3)).isFalse();
  }
}
