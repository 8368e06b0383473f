package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.ToolError;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile: a command in the same model response swaps a workspace directory for a symlink to {@code /etc}
 * (or to a directory outside the workspace) while read_file, write_file and list_dir run. 1,000 attempts
 * each, 0 escapes; both outcomes (read inside / refused) are counted so the test cannot pass without
 * the swap actually racing the tools.
 */
class SymlinkSwapRaceTest {
  static final int ATTEMPTS = 1000;
  /**
   * More attempts, only while one of the two outcomes has not been seen yet (the interleaving is up to the
   * scheduler): for up to this long rather than a count, because on a loaded 2-core machine (the test run builds
   * two modules at once) the swapper thread was once not scheduled during 20,000 quick attempts.
   */
  static final long MAX_RACE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

  @TempDir
  Path dataDir;

  record Outcomes(long inside, long refused, long escaped) {}

  /** Runs {@code attempt} ATTEMPTS times while another thread swaps ws/race between a directory and a link to {@code target}. */
  Outcomes race(Workspace ws, Path target, Function<Workspace, Boolean> attempt) throws Exception {
    Path race = ws.root().resolve("race");
    Path away = ws.root().resolve("race-away");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong swaps = new AtomicLong();
    Thread swapper = new Thread(() -> {
      while (!stop.get()) {
        try {
          Files.move(race, away);
          Files.createSymbolicLink(race, target);
          Thread.onSpinWait();
          Files.delete(race);
          Files.move(away, race);
          // now and then the real directory stays a moment: a tool doing two walks (grep, then glob) must
          // sometimes get through both, or the test could not tell a refusal from a tool that always refuses
          if (swaps.incrementAndGet() % 8 == 0) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        } catch (IOException e) {
          // write_file made a fresh "race" directory while it was away: put the real one back
          repair(race, away);
        }
      }
    }, "symlink-swapper");
    long inside = 0;
    long refused = 0;
    long escaped = 0;
    swapper.start();
    try {
      long deadline = System.nanoTime() + MAX_RACE_NANOS;
      for (int i = 0; i < ATTEMPTS || ((inside == 0 || refused == 0) && System.nanoTime() - deadline < 0); i++) {
        // give the swapper a chance now and then where both threads compete for few cores
        if (i % 1_000 == 999 && (inside == 0 || refused == 0)) Thread.yield();
        try {
          if (attempt.apply(ws)) inside++;
          else escaped++;
        } catch (ToolError e) {
          refused++;
        }
      }
    } finally {
      stop.set(true);
      swapper.join();
    }
    assertThat(swaps.get()).isPositive();
    return new Outcomes(inside, refused, escaped);
  }

  static void repair(Path race, Path away) {
    try {
      if (!Files.exists(away, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
      if (Files.isSymbolicLink(race)) Files.delete(race);
      else if (Files.isDirectory(race, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> s = Files.list(race)) {
          for (Path p : s.toList()) Files.move(p, away.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.delete(race);
      }
      Files.move(away, race);
    } catch (IOException e) {
      // the tool is busy in there; next round
    }
  }

  Workspace workspace() throws IOException {
    Workspace ws = Workspace.forSession(dataDir, "racer");
    Path race = Files.createDirectories(ws.root().resolve("race"));
    Files.writeString(race.resolve("passwd"), "INSIDE\n");
    Files.writeString(race.resolve("inside-marker.txt"), "x\n");
    return ws;
  }

  static void assertRaced(Outcomes o) {
    assertThat(o.escaped()).as("escapes out of the workspace: %s", o).isZero();
    assertThat(o.inside()).as("attempts that read inside (the race must interleave): %s", o).isPositive();
    assertThat(o.refused()).as("attempts refused because of the swapped-in link (the race must interleave): %s", o).isPositive();
    assertThat(o.inside() + o.refused()).isGreaterThanOrEqualTo(ATTEMPTS);
  }

  @Test
  void readFileNeverReadsThroughASwappedInLink() throws Exception {
    Outcomes o = race(workspace(), Path.of("/etc"), ws -> {
      String text = FileTools.readFile(ws, new JsonObject().put("path", "race/passwd"));
      return text.equals("INSIDE\n");   // anything else is /etc/passwd
    });
    assertRaced(o);
  }

  @Test
  void writeFileNeverWritesThroughASwappedInLink() throws Exception {
    Path outside = Files.createDirectories(dataDir.resolve("outside"));
    Workspace ws = workspace();
    long[] n = {0};
    Outcomes o = race(ws, outside, w -> {
      String name = "new-" + (n[0]++) + ".txt";
      FileTools.writeFile(w, new JsonObject().put("path", "race/" + name).put("content", "X"));
      return !Files.exists(outside.resolve(name));
    });
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s.toList()).as("files written outside the workspace").isEmpty();
    }
    assertRaced(o);
  }

  @Test
  void listDirNeverListsThroughASwappedInLink() throws Exception {
    Outcomes o = race(workspace(), Path.of("/etc"), ws -> {
      String listing = FileTools.listDir(ws, new JsonObject().put("path", "race"));
      return listing.contains("inside-marker.txt") && !listing.contains("os-release") && !listing.contains("hostname");
    });
    assertRaced(o);
  }

  @Test
  void grepAndGlobNeverEnterASwappedInLink() throws Exception {
    Workspace ws = workspace();
    Outcomes o = race(ws, Path.of("/etc"), w -> {
      String found = FileTools.grep(w, new JsonObject().put("pattern", "^root:").put("path", "race"), System.nanoTime() + 5_000_000_000L);
      String globbed = FileTools.glob(w, new JsonObject().put("pattern", "race/*"));
      // grep prints "path:line: text"; "No matches for /^root:/" is not a hit
      return !found.contains(": root:") && !globbed.contains("os-release");
    });
    assertRaced(o);
  }
}
