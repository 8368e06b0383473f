package dev.maestro.platform;

/**
 * A startup problem a person can fix: its message is the one line printed before the process
 * exits, so it names the problem and the variable to change. No stack trace is shown for it.
 */
public class StartupException extends RuntimeException {
  public StartupException(String message) {
    super(message, null, false, false);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
