package dev.maestro.bench.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark starts services with the launcher's flags: both read deploy/jvm-flags. */
class JvmFlagsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** What deploy/maestro's start_service runs: java ${MAESTRO_JAVA_OPTS:-$JAVA_OPTS_DEFAULT} $HZ_FLAGS -jar JAR. */
  static List<String> launcherCommand(String javaOpts) throws Exception {
    return launcherCommand(javaOpts, "JAVA_OPTS_DEFAULT");
  }

  static List<String> launcherCommand(String javaOpts, String variable) throws Exception {
    String script = ". \"$1/deploy/jvm-flags\"; for w in java ${MAESTRO_JAVA_OPTS:-$" + variable + "} $HZ_FLAGS -jar x.jar; do echo \"$w\"; done";
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script, "bash", ROOT.toString());
    pb.environment().remove("MAESTRO_JAVA_OPTS");
    if (javaOpts != null) pb.environment().put("MAESTRO_JAVA_OPTS", javaOpts);
    Process p = pb.redirectErrorStream(true).start();
    List<String> words = new ArrayList<>(new String(p.getInputStream().readAllBytes()).lines().toList());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join("\n", words)).isZero();
    return words;
  }

  @Test
  void theBenchCommandIsTheLaunchersWord(@TempDir Path tmp) throws Exception {
    JvmFlags flags = JvmFlags.read(ROOT);
    assertThat(flags.command(null, Path.of("x.jar"))).isEqualTo(launcherCommand(null))
        .contains("-XX:+UseSerialGC", "--add-opens", "java.base/java.lang=ALL-UNNAMED");
    assertThat(flags.command("-Xmx1g  -XX:+UseG1GC", Path.of("x.jar"))).isEqualTo(launcherCommand("-Xmx1g  -XX:+UseG1GC"))
        .doesNotContain("-XX:+UseSerialGC");
    assertThat(flags.command("session", null, Path.of("x.jar"))).isEqualTo(launcherCommand(null, "JAVA_OPTS_HOT"));
    assertThat(flags.command("tool", null, Path.of("x.jar"))).isEqualTo(launcherCommand(null, "JAVA_OPTS_DEFAULT"));
    List<String> single = flags.singleCommand(null, List.of(Path.of("a.jar"), Path.of("b.jar")));
    List<String> expected = new ArrayList<>(launcherCommand(null, "JAVA_OPTS_SINGLE"));
    expected.subList(expected.size() - 2, expected.size()).clear();
    expected.addAll(List.of("-cp", "a.jar:b.jar", JvmFlags.SINGLE_MAIN));
    assertThat(single).isEqualTo(expected);
  }

  @Test
  void theBareChainRunsWithTheFlagsOfTheProcessItStandsFor() throws Exception {
    JvmFlags flags = JvmFlags.read(ROOT);
    for (String[] p : new String[][] {{"provider", "JAVA_OPTS_HOT"}, {"gateway", "JAVA_OPTS_HOT"}, {"single", "JAVA_OPTS_SINGLE"}}) {
      List<String> expected = new ArrayList<>(launcherCommand(null, p[1]));
      expected.subList(expected.size() - 2, expected.size()).clear();
      expected.addAll(List.of("-cp", "bench.jar", "a.Main", p[0]));
      assertThat(flags.mainCommand(p[0], null, "bench.jar", "a.Main", List.of(p[0]))).as(p[0]).isEqualTo(expected);
    }
  }

  @Test
  void theLauncherPicksTheSameFlagsPerProcess() throws Exception {
    String launcher = Files.readString(ROOT.resolve("deploy/maestro"));
    assertThat(launcher).contains("gateway|session|provider) echo \"${MAESTRO_JAVA_OPTS:-$JAVA_OPTS_HOT}\"")
        .contains("single) echo \"${MAESTRO_JAVA_OPTS:-$JAVA_OPTS_SINGLE}\"")
        .contains("*) echo \"${MAESTRO_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}\"")
        .contains(JvmFlags.SINGLE_MAIN);
  }

  @Test
  void theLauncherSourcesTheSameFile() throws Exception {
    String launcher = Files.readString(ROOT.resolve("deploy/maestro"));
    assertThat(launcher).contains(". \"$ROOT/deploy/jvm-flags\"").doesNotContain("HZ_FLAGS=\"").doesNotContain("JAVA_OPTS_DEFAULT=\"");
  }

  @Test
  void anythingAShellWouldExpandIsRefusedRatherThanReadDifferently(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("deploy"));
    for (String line : List.of("HZ_FLAGS=\"$(id)\"", "HZ_FLAGS=\"${X}\"", "HZ_FLAGS=`id`", "export HZ_FLAGS=\"a\"", "HZ_FLAGS=a b")) {
      Files.writeString(root.resolve("deploy/jvm-flags"), "# flags\nJAVA_OPTS_DEFAULT=\"-Xmx1m\"\n" + line + "\n"
          + "JAVA_OPTS_HOT=\"-Xmx1m\"\nJAVA_OPTS_SINGLE=\"-Xmx1m\"\n");
      assertThatThrownBy(() -> JvmFlags.read(root)).as(line).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("jvm-flags:3");
    }
    Files.writeString(root.resolve("deploy/jvm-flags"), "JAVA_OPTS_DEFAULT=\"-Xmx1m\"\nJAVA_OPTS_HOT=\"-Xmx1m\"\nJAVA_OPTS_SINGLE=\"-Xmx1m\"\n");
    assertThatThrownBy(() -> JvmFlags.read(root)).hasMessageContaining("does not set HZ_FLAGS");
  }
}
