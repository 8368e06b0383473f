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
    for (String required : List.of("JAVA_OPTS_DEFAULT", "HZ_FLAGS")) {
      if (!values.containsKey(required)) throw new IllegalStateException(file + " does not set " + required);
    }
    return new JvmFlags(values);
  }

  /** As {@code ${MAESTRO_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}} in the launcher. */
  public String javaOpts(String maestroJavaOpts) {
    return maestroJavaOpts == null || maestroJavaOpts.isBlank() ? values.get("JAVA_OPTS_DEFAULT") : maestroJavaOpts.strip();
  }

  /** {@code java <opts> <HZ_FLAGS> -jar <jar>}, word-split as the launcher's unquoted expansion does. */
  public List<String> command(String maestroJavaOpts, Path jar) {
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    cmd.addAll(words(javaOpts(maestroJavaOpts)));
    cmd.addAll(words(values.get("HZ_FLAGS")));
    cmd.add("-jar");
    cmd.add(jar.toString());
    return cmd;
  }

  private static List<String> words(String s) {
    return s.isBlank() ? List.of() : List.of(s.strip().split("\\s+"));
  }
}
