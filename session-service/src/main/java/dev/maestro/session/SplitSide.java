package dev.maestro.session;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Whether this node is on the smaller side of a split (issue 17, chaos partition). Each time the
 * cluster view shrinks, the size it had before is recorded; a node whose view is now less than half of
 * the largest such size of the last {@link #WINDOW_MS} was cut off from most of the cluster rather than
 * left by a few members. (Sizes are compared view to view, not per departed member: a split shrinks the
 * view at once, and each of its membership events already carries the final, small view — chaos
 * partition's cut-off host took sessions over again while counting that way.) On that side the members
 * "gone" are in fact alive: a node there must not take their sessions over on its own (it would
 * interrupt turns that run fine on the larger side, and the events it publishes stay on its side until
 * the merge). A crash leaves one member, a two-node cluster that loses one keeps half: both are
 * recovered as before. An even split counts as neither side smaller.
 */
final class SplitSide {
  static final long WINDOW_MS = 60_000;

  private final LongSupplier clock;
  /** (time ms, cluster size before the view shrank), oldest first. */
  private final Deque<long[]> before = new ArrayDeque<>();
  /** The last view's size (0: none yet). */
  private int last;

  SplitSide(LongSupplier clock) {
    this.clock = clock;
  }

  /** The cluster view now has size members (at start, and after every membership event). */
  synchronized void view(int size) {
    long now = clock.getAsLong();
    prune(now);
    if (size < last) before.addLast(new long[] {now, last});
    last = size;
  }

  /** Whether a view of size members is less than half of what the cluster had lately. */
  synchronized boolean smaller(int size) {
    prune(clock.getAsLong());
    long largest = 0;
    for (long[] b : before) largest = Math.max(largest, b[1]);
    return size * 2L < largest;
  }

  private void prune(long now) {
    while (!before.isEmpty() && now - before.peekFirst()[0] > WINDOW_MS) before.removeFirst();
  }
}
