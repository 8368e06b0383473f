package dev.maestro.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.fake.FakeGateway;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs src/test/e2e/tui-e2e.sh (the same script the lead runs against the real system) against the
 * fake gateway: the TUI in tmux, driven with send-keys and read with capture-pane.
 */
@ExtendWith(VertxExtension.class)
class TuiTmuxE2eTest {

  static boolean tmuxInstalled() throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "command -v tmux").redirectErrorStream(true).start();
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  @Test
  void tuiInTmuxStreamsApprovesCreatesAndQuits(Vertx vertx) throws Exception {
    Assumptions.assumeTrue(tmuxInstalled(),
        "tmux is not installed: the TUI e2e test needs it (lead: install tmux in deploy/maestro)");
    FakeGateway fake = new FakeGateway(vertx, "e2e-token").chunkDelay(5);
    int port = fake.start(0).await(10, TimeUnit.SECONDS);
    ProcessBuilder pb = new ProcessBuilder("bash", "src/test/e2e/tui-e2e.sh", "http://127.0.0.1:" + port, "e2e-token")
        .redirectErrorStream(true);
    pb.environment().put("TUI_CMD", SendModeScriptTest.tuiCommand());
    pb.environment().put("E2E_WAIT", "90");
    pb.environment().put("E2E_FAKE_MCP", "1");   // the fake's MCP resource added while the TUI is open (mcp_catalog)
    pb.environment().put("E2E_USER", FakeGateway.USERNAME);
    pb.environment().put("E2E_PASSWORD", FakeGateway.PASSWORD);
    File log = File.createTempFile("tui-e2e", ".log");
    pb.redirectOutput(log);
    Process p = pb.start();
    boolean finished = p.waitFor(400, TimeUnit.SECONDS);
    if (!finished) {
      p.destroy();
    }
    String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(finished).as("e2e script finished").isTrue();
    assertThat(output).doesNotContain("FAIL").contains("tui-e2e: 0 failure(s)");
    assertThat(p.exitValue()).isZero();
  }
}
