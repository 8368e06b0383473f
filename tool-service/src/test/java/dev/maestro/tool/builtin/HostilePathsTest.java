package dev.maestro.tool.builtin;

import dev.maestro.tool.exec.ToolError;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every row is a hostile path or argument that a file tool must refuse with a clear message. */
class HostilePathsTest {
  @TempDir
  static Path dataDir;
  static Workspace ws;
  static Path outsideSecret;

  @BeforeAll
  static void setUp() throws Exception {
    ws = Workspace.forSession(dataDir, "s1");
    Path other = Workspace.forSession(dataDir, "other").root();
    Files.writeString(other.resolve("secret.txt"), "other session's secret");
    outsideSecret = Files.writeString(dataDir.resolve("outside.txt"), "top secret");
    Files.createDirectories(ws.root().resolve("sub"));
    Files.writeString(ws.root().resolve("sub/ok.txt"), "fine\n");
    Files.writeString(ws.root().resolve("dup.txt"), "x x\n");
    Files.createSymbolicLink(ws.root().resolve("escape"), dataDir);                  // dir symlink out
    Files.createSymbolicLink(ws.root().resolve("secret-link.txt"), outsideSecret);  // file symlink out
    Files.createSymbolicLink(ws.root().resolve("dangling"), dataDir.resolve("nope/nothing.txt"));
    Files.createSymbolicLink(ws.root().resolve("zero"), Path.of("/dev/zero"));
    Files.createSymbolicLink(ws.root().resolve("chain-1"), Path.of("chain-2"));                 // link → link → out
    Files.createSymbolicLink(ws.root().resolve("chain-2"), outsideSecret);
    Files.createSymbolicLink(ws.root().resolve("loop-a"), Path.of("loop-b"));                   // a → b → a
    Files.createSymbolicLink(ws.root().resolve("loop-b"), Path.of("loop-a"));
    Files.createSymbolicLink(ws.root().resolve("etc-link"), Path.of("/etc"));
    Files.createSymbolicLink(ws.root().resolve("other-link"), Path.of("../other/secret.txt"));  // relative, into another session
    Files.createSymbolicLink(ws.root().resolve("inner-link"), Path.of("sub/ok.txt"));           // stays inside: followed
    Path huge = Files.createDirectories(ws.root().resolve("huge"));
    for (int d = 0; d < 30; d++) {
      Path dir = Files.createDirectories(huge.resolve("d" + d));
      for (int f = 0; f < 100; f++) Files.writeString(dir.resolve("f" + f + ".log"), "");
    }
    Process p = new ProcessBuilder("mkfifo", ws.root().resolve("pipe").toString()).start();
    p.waitFor(5, TimeUnit.SECONDS);
    byte[] big = new byte[(int) FileTools.MAX_FILE_BYTES + 1];
    Files.write(ws.root().resolve("big.txt"), big);
  }

  static JsonObject path(String p) {
    return new JsonObject().put("path", p);
  }

  static BiFunction<Workspace, JsonObject, String> READ = FileTools::readFile;
  static BiFunction<Workspace, JsonObject, String> WRITE = FileTools::writeFile;
  static BiFunction<Workspace, JsonObject, String> EDIT = FileTools::editFile;
  static BiFunction<Workspace, JsonObject, String> LIST = FileTools::listDir;
  static BiFunction<Workspace, JsonObject, String> GLOB = FileTools::glob;
  /** A glob whose deadline has already passed: a walk over a big tree must stop with a clear message. */
  static BiFunction<Workspace, JsonObject, String> GLOB_NO_TIME = (w, a) -> FileTools.glob(w, a, new FileTools.GlobLimits(0, 1000));
  static BiFunction<Workspace, JsonObject, String> GREP = (w, a) -> FileTools.grep(w, a, System.nanoTime() + 5_000_000_000L);

  record Row(String label, BiFunction<Workspace, JsonObject, String> tool, JsonObject args, String expected) {}

  static Row row(String label, BiFunction<Workspace, JsonObject, String> tool, JsonObject args, String expected) {
    return new Row(label, tool, args, expected);
  }

  static Stream<Row> hostile() {
    return Stream.of(
        row("parent escape", READ, path("../outside.txt"), "outside the workspace"),
        row("deep parent escape", READ, path("sub/../../../../etc/passwd"), "outside the workspace"),
        row("other session", READ, path("../other/secret.txt"), "outside the workspace"),
        row("absolute elsewhere", READ, path("/etc/passwd"), "outside the workspace"),
        row("double slash absolute", READ, path("//etc/passwd"), "outside the workspace"),
        row("root", LIST, path("/"), "outside the workspace"),
        row("proc environ", READ, path("/proc/self/environ"), "outside the workspace"),
        row("device", READ, path("/dev/zero"), "outside the workspace"),
        row("sysfs", LIST, path("/sys/kernel"), "outside the workspace"),
        row("home tilde", READ, path("~/.ssh/id_rsa"), "uses '~'"),
        row("other user tilde", LIST, path("~root"), "uses '~'"),
        row("url-encoded dots", READ, path("%2e%2e/outside.txt"), "URL-encoded"),
        row("url-encoded slash", READ, path("..%2foutside.txt"), "URL-encoded"),
        row("double-encoded", READ, path("%252e%252e/outside.txt"), "URL-encoded"),
        row("NUL byte", READ, path("sub/ok.txt\u0000.png"), "NUL byte"),
        row("empty path", READ, path(""), "path is required"),
        row("missing path", READ, new JsonObject(), "path is required"),
        row("symlink dir escape", READ, path("escape/outside.txt"), "outside the workspace"),
        row("symlink file escape", READ, path("secret-link.txt"), "outside the workspace"),
        row("write through symlink", WRITE, path("secret-link.txt").put("content", "pwned"), "outside the workspace"),
        row("write into symlinked dir", WRITE, path("escape/new.txt").put("content", "x"), "outside the workspace"),
        row("dangling symlink", WRITE, path("dangling").put("content", "x"), "missing target"),
        row("symlink to device", READ, path("zero"), "outside the workspace"),
        row("FIFO", READ, path("pipe"), "not a regular file"),
        row("write to FIFO", WRITE, path("pipe").put("content", "x"), "not a regular file"),
        row("file over size limit", READ, path("big.txt"), "over the"),
        row("directory as file", READ, path("sub"), "is a directory"),
        row("write workspace root", WRITE, path(".").put("content", "x"), "workspace directory itself"),
        row("edit not unique", EDIT, path("dup.txt").put("old", "x").put("new", "y"), "matches 2 times"),
        row("edit not found", EDIT, path("sub/ok.txt").put("old", "nope").put("new", "y"), "not found"),
        row("glob absolute", GLOB, new JsonObject().put("pattern", "/etc/*"), "relative to the workspace"),
        row("glob parent", GLOB, new JsonObject().put("pattern", "../*"), "uses '..'"),
        row("grep outside", GREP, new JsonObject().put("pattern", "secret").put("path", "../other"), "outside the workspace"),
        row("grep bad regex", GREP, new JsonObject().put("pattern", "(unclosed"), "invalid regular expression"),
        row("link chain out", READ, path("chain-1"), "outside the workspace"),
        row("link loop", READ, path("loop-a"), "too many symbolic links"),
        row("list through a link to /etc", LIST, path("etc-link"), "outside the workspace"),
        row("grep through a link to /etc", GREP, new JsonObject().put("pattern", "root").put("path", "etc-link"), "outside the workspace"),
        row("edit through a link out", EDIT, path("secret-link.txt").put("old", "top").put("new", "pwned"), "outside the workspace"),
        row("relative link into another session", READ, path("other-link"), "outside the workspace"),
        row("write below a file", WRITE, path("sub/ok.txt/x.txt").put("content", "x"), "is not a directory"),
        row("glob over a huge tree", GLOB_NO_TIME, new JsonObject().put("pattern", "**/*.log"), "stopped after 0 ms"),
        row("bad session id", (BiFunction<Workspace, JsonObject, String>) (w, a) ->
            FileTools.readFile(Workspace.forSession(dataDir, "../s1"), a), path("sub/ok.txt"), "invalid session id"));
  }

  @TestFactory
  Stream<DynamicTest> refused() {
    assertThat(hostile().count()).isGreaterThanOrEqualTo(20);
    return hostile().map(r -> DynamicTest.dynamicTest(r.label(), () ->
        assertThatThrownBy(() -> r.tool().apply(ws, r.args())).isInstanceOf(ToolError.class)
            .hasMessageContaining(r.expected())));
  }

  @Test
  void refusalsLeaveOutsideFilesUntouched() throws Exception {
    assertThatThrownBy(() -> FileTools.writeFile(ws, path("secret-link.txt").put("content", "pwned")));
    assertThat(Files.readString(outsideSecret)).isEqualTo("top secret");
    assertThat(Files.exists(dataDir.resolve("new.txt"))).isFalse();
    assertThat(Files.exists(dataDir.resolve("nope"))).isFalse();
    assertThatThrownBy(() -> FileTools.editFile(ws, path("secret-link.txt").put("old", "top").put("new", "pwned")));
    assertThatThrownBy(() -> FileTools.writeFile(ws, path("escape/made-by-tool/x.txt").put("content", "x")));
    assertThat(Files.readString(outsideSecret)).isEqualTo("top secret");
    assertThat(Files.exists(dataDir.resolve("made-by-tool"))).as("no directory made outside").isFalse();
  }

  @Test
  void legitimatePathsWork() {
    assertThat(FileTools.writeFile(ws, path("a/b/c.txt").put("content", "hello\nworld\n"))).contains("Wrote 12 bytes");
    assertThat(FileTools.readFile(ws, path("a/b/c.txt"))).isEqualTo("hello\nworld\n");
    assertThat(FileTools.readFile(ws, path(ws.root() + "/a/b/c.txt").put("offset", 2))).isEqualTo("world\n");
    assertThat(FileTools.readFile(ws, path("a/./b/../b/c.txt").put("limit", 1))).startsWith("hello\n").contains("1 more lines");
    assertThat(FileTools.editFile(ws, path("a/b/c.txt").put("old", "world").put("new", "there"))).contains("1 replacement");
    assertThat(FileTools.readFile(ws, path("a/b/c.txt"))).isEqualTo("hello\nthere\n");
    assertThat(FileTools.listDir(ws, new JsonObject())).contains("a/", "sub/", "escape@", "pipe  (special file)");
    assertThat(FileTools.glob(ws, new JsonObject().put("pattern", "**/*.txt"))).contains("a/b/c.txt", "sub/ok.txt")
        .doesNotContain("outside.txt");
    assertThat(FileTools.grep(ws, new JsonObject().put("pattern", "th.re"), System.nanoTime() + 5_000_000_000L))
        .isEqualTo("a/b/c.txt:2: there");
    assertThat(FileTools.readFile(ws, path("inner-link"))).isEqualTo("fine\n");   // a link that stays inside is followed
    assertThat(FileTools.glob(ws, new JsonObject().put("pattern", "huge/**/*.log"), new FileTools.GlobLimits(5000, 7)))
        .endsWith("[stopped at 7 matches; use a narrower pattern]").hasLineCount(8);
    assertThat(FileTools.glob(ws, new JsonObject().put("pattern", "huge/d1/*.log"))).hasLineCount(100);
  }

  @Test
  void catastrophicRegexIsStoppedByTheDeadline() throws Exception {
    Files.writeString(ws.root().resolve("redos.txt"), "x".repeat(40) + "!\n");
    assertThatThrownBy(() -> FileTools.grep(ws, new JsonObject().put("pattern", "(.*x){12}y").put("path", "redos.txt"),
        System.nanoTime() + 300_000_000L)).isInstanceOf(ToolError.class).hasMessageContaining("took too long");
  }
}
