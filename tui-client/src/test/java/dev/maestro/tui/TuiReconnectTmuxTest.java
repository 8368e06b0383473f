package dev.maestro.tui;

import java.util.concurrent.atomic.AtomicReference;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.fake.FakeGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interactive client loses its WebSocket in the middle of a streamed answer; after it
 * reconnects (afterSeq) the screen shows the whole answer exactly once.
 */
@ExtendWith(VertxExtension.class)
class TuiReconnectTmuxTest {
  private final String socketName = "tui-reconnect-" + ProcessHandle.current().pid();
  @TempDir
  Path dir;

  private String tmux(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("tmux", "-L", socketName));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return out;
  }

  private String waitForScreen(Predicate<String> ok, String what) throws Exception {
    AtomicReference<String> screen = new AtomicReference<>("");
    try {
      return Awaitility.await(what).atMost(Duration.ofSeconds(90)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            screen.set(tmux("capture-pane", "-p", "-t", "r"));
            return screen.get();
          }, ok);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("timed out waiting for " + what + "; screen:\n" + screen.get(), e);
    }
  }

  @AfterEach
  void stopTmux() throws Exception {
    if (TuiTmuxE2eTest.tmuxInstalled()) {
      tmux("kill-server");
    }
  }

  @Test
  void streamSurvivesAConnectionLossWithNothingLostOrRepeated(Vertx vertx) throws Exception {
    Assumptions.assumeTrue(TuiTmuxE2eTest.tmuxInstalled(),
        "tmux is not installed: the TUI e2e tests need it (lead: install tmux in deploy/maestro)");
    FakeGateway fake = new FakeGateway(vertx, "rc-token").chunkDelay(60);
    int port = fake.start(0).await(10, TimeUnit.SECONDS);
    String sid = fake.on(() -> fake.createSession("reconnect", "anthropic", "claude-sonnet-4-5"))
        .await(10, TimeUnit.SECONDS);
    Path run = dir.resolve("run.sh");
    Files.writeString(run, "export LANG=C.UTF-8\n" + SendModeScriptTest.tuiCommand() + " --url http://127.0.0.1:" + port
        + " --token rc-token --session " + sid + "\necho TUI-EXIT:$?\nsleep 600\n");
    tmux("-u", "new-session", "-d", "-s", "r", "-x", "110", "-y", "30", "bash " + run);
    waitForScreen(s -> s.contains("· connected"), "connected");

    String message = "streaming-across-a-reconnect " + "0123456789".repeat(5);
    tmux("send-keys", "-t", "r", "-l", message);
    tmux("send-keys", "-t", "r", "Enter");
    // once the answer has started streaming, cut every WebSocket
    waitForScreen(s -> s.contains("Echo: "), "the answer to start");
    fake.on(() -> {
      fake.dropSockets();
      return null;
    }).await(10, TimeUnit.SECONDS);

    String expected = "Echo: " + message;
    String screen = waitForScreen(s -> s.contains(expected) && s.contains("· connected") && !s.contains("working"),
        "the whole answer after reconnecting");
    assertThat(screen.split(java.util.regex.Pattern.quote(expected), -1)).as("answer shown exactly once").hasSize(2);
    assertThat(screen).doesNotContain("Echo: Echo");
    List<JsonObject> resubscribes = fake.on(() -> fake.framesReceived().stream()
        .filter(f -> "subscribe".equals(f.getString("type")) && f.getLong("afterSeq", 0L) > 0).toList())
        .await(10, TimeUnit.SECONDS);
    assertThat(resubscribes).as("re-subscribed with afterSeq after the loss").isNotEmpty();
  }
}
