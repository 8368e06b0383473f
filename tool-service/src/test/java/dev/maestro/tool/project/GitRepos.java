package dev.maestro.tool.project;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real git repositories for tests: a main branch with hello.txt and an AGENTS.md. */
public final class GitRepos {
  private GitRepos() {}

  public static Path create(Path dir) throws Exception {
    git(dir, "init", "-q", "-b", "main");
    Files.writeString(dir.resolve("hello.txt"), "hello world\n");
    Files.writeString(dir.resolve("AGENTS.md"), "# Rules\nAlways answer in haiku.\n");
    git(dir, "add", "-A");
    git(dir, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "initial");
    return dir.toRealPath();
  }

  public static String git(Path dir, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("git " + argv + " hung");
    if (p.exitValue() != 0 && !(args.length > 0 && args[0].equals("config"))) throw new AssertionError("git " + argv + ": " + out);
    return out;
  }
}
