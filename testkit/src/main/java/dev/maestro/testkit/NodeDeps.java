package dev.maestro.testkit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs a test's npm packages (from its committed package-lock.json) into its own folder the
 * first time they are needed, so {@code ./deploy/maestro test} works on a fresh machine.
 */
public final class NodeDeps {
  private NodeDeps() {}

  /** Runs {@code npm ci} in dir unless node_modules is already newer than package-lock.json. */
  public static synchronized Path ensureInstalled(Path dir) {
    // modules test concurrently (mvn -T 2) and in two forks, and some share a folder (system-tests use
    // tool-service's and web-ui's): npm ci deletes node_modules first, so one JVM at a time per folder
    Path lockFile = Path.of(System.getProperty("java.io.tmpdir"),
        "maestro-npm-" + Integer.toHexString(dir.toAbsolutePath().normalize().toString().hashCode()) + ".lock");
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock ignored = channel.lock()) {
      return install(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot lock " + lockFile + " to install npm packages in " + dir, e);
    }
  }

  private static Path install(Path dir) {
    Path modules = dir.resolve("node_modules");
    Path lock = dir.resolve("package-lock.json");
    try {
      if (Files.isDirectory(modules) && Files.exists(modules.resolve(".package-lock.json"))
          && Files.getLastModifiedTime(modules.resolve(".package-lock.json")).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
        return modules;
      }
      List<String> cmd = Files.exists(lock)
          ? List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
          : List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
      System.out.println("[testkit] installing npm packages in " + dir + " ...");
      // never inherit stdin/stdout: under surefire they are the fork's control channel
      Path log = Files.createTempFile("npm-install", ".log");
      Process p = new ProcessBuilder(cmd).directory(dir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("npm install timed out in " + dir + "; log: " + log);
      }
      String output = Files.readString(log);
      System.out.print(output);
      if (p.exitValue() != 0) {
        throw new IllegalStateException("npm install failed in " + dir + " (exit " + p.exitValue() + "): "
            + output.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse(""));
      }
      return modules;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run npm in " + dir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted installing npm packages", e);
    }
  }
}
