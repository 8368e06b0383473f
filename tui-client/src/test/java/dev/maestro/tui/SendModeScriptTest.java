package dev.maestro.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.tui.fake.FakeGateway;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs src/test/scripts/send-mode.sh, which drives `tui send` as a process against the fake gateway. */
@ExtendWith(VertxExtension.class)
class SendModeScriptTest {

  /** The java command line that runs TuiMain from this test's classpath. */
  static String tuiCommand() {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return java + " -XX:TieredStopAtLevel=1 -Xshare:auto -cp " + cp + " " + TuiMain.class.getName();
  }

  @Test
  void sendModeFromAScript(Vertx vertx) throws Exception {
    FakeGateway fake = new FakeGateway(vertx, "script-token").chunkDelay(1);
    int port = fake.start(0).await(10, TimeUnit.SECONDS);
    String sid = fake.on(() -> fake.createSession("script", "anthropic", "claude-sonnet-4-5"))
        .await(10, TimeUnit.SECONDS);
    ProcessBuilder pb = new ProcessBuilder("bash", "src/test/scripts/send-mode.sh", "http://127.0.0.1:" + port,
        "script-token", sid).redirectErrorStream(true);
    pb.environment().put("TUI_CMD", tuiCommand());
    File log = File.createTempFile("send-mode", ".log");
    pb.redirectOutput(log);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("script finished").isTrue();
    String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(output).doesNotContain("FAIL").contains("send-mode: 0 failure(s)");
    assertThat(p.exitValue()).isZero();
  }
}
