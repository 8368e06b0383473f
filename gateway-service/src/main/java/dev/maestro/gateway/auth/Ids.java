package dev.maestro.gateway.auth;

import java.util.UUID;
import java.util.regex.Pattern;

/** Ids are UUIDs; anything else names no resource (404), never a database error. */
public final class Ids {
  private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Ids() {}

  public static boolean valid(String s) {
    return s != null && UUID_TEXT.matcher(s).matches();
  }

  public static UUID parse(String s) {
    return valid(s) ? UUID.fromString(s) : null;
  }
}
