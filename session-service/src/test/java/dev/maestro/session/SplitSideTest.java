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
    // chaos partition: 11 members, host 3's two cut off; each of the nine membership events it gets
    // carries the final view of 2 (Hazelcast applies the new member list at once)
    side.view(11);
    for (int i = 0; i < 9; i++) side.view(2);
    assertThat(side.smaller(2)).isTrue();
    // the larger side lost two members only
    SplitSide larger = new SplitSide(now::get);
    larger.view(11);
    larger.view(9);
    larger.view(9);
    assertThat(larger.smaller(9)).isFalse();
  }

  @Test
  void aCrashOrAnEvenSplitIsNotASmallerSide() {
    side.view(2);
    side.view(1);
    assertThat(side.smaller(1)).as("two nodes, one killed: the survivor takes over").isFalse();
    SplitSide even = new SplitSide(now::get);
    even.view(4);
    even.view(2);
    assertThat(even.smaller(2)).isFalse();
    SplitSide fresh = new SplitSide(now::get);
    fresh.view(3);
    assertThat(fresh.smaller(1)).as("nothing left yet").isFalse();
  }

  @Test
  void aViewThatShrankLongerAgoThanTheWindowNoLongerCounts() {
    side.view(10);
    side.view(3);
    assertThat(side.smaller(3)).isTrue();
    now.addAndGet(SplitSide.WINDOW_MS + 1);
    assertThat(side.smaller(3)).isFalse();
  }

  @Test
  void growingBackAfterTheMergeIsNotASplit() {
    side.view(11);
    side.view(2);
    side.view(11);
    assertThat(side.smaller(11)).isFalse();
  }
}
