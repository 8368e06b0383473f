package dev.maestro.bench.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service JVM flags from {@code deploy/jvm-flags}, the file {@code deploy/maestro} sources: a
 * benchmark starts the services with exactly the launcher's flags, and a change there reaches both.
 */
public final class JvmFlags {
  static final String FILE = "deploy/jvm-flags";
  private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Z_][A-Z0-9_]*)=\"([^\"$`\\\\]*)\"\\s*$");

  private final Map<String, String> values;

  private JvmFlags(Map<String, String> values) {
    this.values = values;
  }

  /** Reads {@code deploy/jvm-flags} under the repository root; fails on anything but comments and NAME="value". */
  public static JvmFlags read(Path root) {
    Path file = root.resolve(FILE);
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      Matcher m = ASSIGNMENT.matcher(line);
      if (!m.matches()) throw new IllegalStateException(file + ":" + (i + 1) + ": expected NAME=\"value\", got " + line);
      values.put(m.group(1), m.group(2));
    }
    for (String required : List.of("JAVA_OPTS_DEFAULT", "JAVA_OPTS_HOT", "JAVA_OPTS_SINGLE", "HZ_FLAGS")) {
      if (!values.containsKey(required)) throw new IllegalStateException(file + " does not set " + required);
    }
    return new JvmFlags(values);
  }

  /** As {@code ${MAESTRO_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}} in the launcher. */
  public String javaOpts(String maestroJavaOpts) {
    return maestroJavaOpts == null || maestroJavaOpts.isBlank() ? values.get("JAVA_OPTS_DEFAULT") : maestroJavaOpts.strip();
  }

  /**
   * As the launcher's {@code java_opts <process>}: {@code JAVA_OPTS_HOT} for gateway, session and provider
   * (the chunk path), {@code JAVA_OPTS_SINGLE} for {@code single}, else {@code JAVA_OPTS_DEFAULT};
   * {@code MAESTRO_JAVA_OPTS} replaces each.
   */
  public String javaOpts(String process, String maestroJavaOpts) {
    if (maestroJavaOpts != null && !maestroJavaOpts.isBlank()) return maestroJavaOpts.strip();
    return switch (process) {
      case "gateway", "session", "provider" -> values.get("JAVA_OPTS_HOT");
      case "single" -> values.get("JAVA_OPTS_SINGLE");
      default -> values.get("JAVA_OPTS_DEFAULT");
    };
  }

  /** {@code java <opts> <HZ_FLAGS> -jar <jar>} with the default flags (auth, tool). */
  public List<String> command(String maestroJavaOpts, Path jar) {
    return command("auth", maestroJavaOpts, jar);
  }

  /** {@code java <opts of process> <HZ_FLAGS> -jar <jar>}, word-split as the launcher's unquoted expansion does. */
  public List<String> command(String process, String maestroJavaOpts, Path jar) {
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    cmd.addAll(words(javaOpts(process, maestroJavaOpts)));
    cmd.addAll(words(values.get("HZ_FLAGS")));
    cmd.add("-jar");
    cmd.add(jar.toString());
    return cmd;
  }

  /** The launcher's {@code start_single}: {@code java <single opts> <HZ_FLAGS> -cp <jars> SingleProcessMain}. */
  public List<String> singleCommand(String maestroJavaOpts, List<Path> jars) {
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    cmd.addAll(words(javaOpts("single", maestroJavaOpts)));
    cmd.addAll(words(values.get("HZ_FLAGS")));
    cmd.add("-cp");
    cmd.add(String.join(":", jars.stream().map(Path::toString).toList()));
    cmd.add(SINGLE_MAIN);
    return cmd;
  }

  /**
   * {@code java <opts of process> <HZ_FLAGS> -cp <class path> <main> <args>}: another main with a service's
   * flags (the bench's bare chain runs with the flags of the process it stands for).
   */
  public List<String> mainCommand(String process, String maestroJavaOpts, String classPath, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    cmd.addAll(words(javaOpts(process, maestroJavaOpts)));
    cmd.addAll(words(values.get("HZ_FLAGS")));
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  public static final String SINGLE_MAIN = "dev.maestro.platform.SingleProcessMain";

  private static List<String> words(String s) {
    return s.isBlank() ? List.of() : List.of(s.strip().split("\\s+"));
  }
}
