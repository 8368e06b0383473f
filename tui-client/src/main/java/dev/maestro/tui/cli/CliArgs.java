package dev.maestro.tui.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code tui [--url URL] [--token TOKEN] [--session ID] [--config FILE]} and
 * {@code tui send --session ID [--approve allow|deny] [--timeout SECONDS] "text"}, or
 * {@code tui send --project NAME [--model MODEL] ...}: a new session on that project (its id goes to stderr).
 */
public record CliArgs(String mode, String url, String token, String session, String configFile, String approve,
    int timeoutSeconds, String text, boolean help, String project, String model) {

  public static final String USAGE = """
      usage: tui [--url URL] [--token TOKEN] [--session ID] [--config FILE]
             tui send --session ID [--url URL] [--token TOKEN] [--approve allow|deny] [--timeout SECONDS] TEXT
             tui send --project NAME [--model MODEL] [...] TEXT   (a new session in its own worktree of the project)
      environment: MAESTRO_URL, MAESTRO_TOKEN, MAESTRO_CONFIG (default ~/.config/maestro/config.json)""";

  public static CliArgs parse(String[] argv) {
    String mode = "interactive";
    String url = null;
    String token = null;
    String session = null;
    String config = null;
    String approve = null;
    String project = null;
    String model = null;
    int timeout = 300;
    boolean help = false;
    List<String> rest = new ArrayList<>();
    int i = 0;
    if (argv.length > 0 && "send".equals(argv[0])) {
      mode = "send";
      i = 1;
    }
    for (; i < argv.length; i++) {
      String a = argv[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "--url" -> url = value != null ? value : next(argv, ++i, a);
        case "--token" -> token = value != null ? value : next(argv, ++i, a);
        case "--session" -> session = value != null ? value : next(argv, ++i, a);
        case "--config" -> config = value != null ? value : next(argv, ++i, a);
        case "--project" -> project = value != null ? value : next(argv, ++i, a);
        case "--model" -> model = value != null ? value : next(argv, ++i, a);
        case "--approve" -> {
          approve = value != null ? value : next(argv, ++i, a);
          if (!approve.equals("allow") && !approve.equals("deny")) {
            throw new IllegalArgumentException("--approve takes allow or deny");
          }
        }
        case "--timeout" -> {
          String v = value != null ? value : next(argv, ++i, a);
          try {
            timeout = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--timeout takes a number of seconds");
          }
        }
        case "-h", "--help" -> help = true;
        case "--" -> {
          for (i++; i < argv.length; i++) {
            rest.add(argv[i]);
          }
        }
        default -> {
          if (a.startsWith("--")) {
            throw new IllegalArgumentException("unknown option " + a);
          }
          rest.add(argv[i]);
        }
      }
    }
    String text = null;
    if ("send".equals(mode)) {
      if (!help) {
        if (session == null && project == null) {
          throw new IllegalArgumentException("send needs --session ID or --project NAME");
        }
        if (rest.isEmpty()) {
          throw new IllegalArgumentException("send needs the message text");
        }
      }
      text = String.join(" ", rest);
    } else if (!rest.isEmpty()) {
      throw new IllegalArgumentException("unexpected argument " + rest.get(0));
    }
    return new CliArgs(mode, url, token, session, config, approve, timeout, text, help, project, model);
  }

  private static String next(String[] argv, int i, String option) {
    if (i >= argv.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return argv[i];
  }
}
