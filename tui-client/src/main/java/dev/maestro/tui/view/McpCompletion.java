package dev.maestro.tui.view;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MCP resources and prompts in the input line (issue 19): Tab completes {@code @uri} against the servers'
 * resources and {@code /server:prompt} against their prompts; on send, every {@code @uri} naming a known resource
 * becomes an attachment. Plain logic over the lists the client fetched (UI thread only).
 */
public final class McpCompletion {
  private static final Pattern AT = Pattern.compile("(?:^|\\s)@(\\S*)$");
  private static final Pattern AT_ANY = Pattern.compile("(?:^|\\s)@(\\S+)");

  private List<JsonObject> resources = List.of();
  private List<JsonObject> prompts = List.of();

  public void update(List<JsonObject> resources, List<JsonObject> prompts) {
    this.resources = List.copyOf(resources);
    this.prompts = List.copyOf(prompts);
  }

  public boolean loaded() {
    return !resources.isEmpty() || !prompts.isEmpty();
  }

  /** Whether Tab means MCP completion here: an {@code @word} at the end, or a lone {@code /word}. */
  public static boolean wants(String input) {
    return AT.matcher(input).find() || (input.startsWith("/") && !input.contains(" ") && !input.contains("\n"));
  }

  /** The input completed: a unique match in full (plus a space), several to their common prefix, else unchanged. */
  public String complete(String input) {
    Matcher m = AT.matcher(input);
    if (m.find()) {
      String typed = m.group(1);
      List<String> uris = new ArrayList<>();
      for (JsonObject r : resources) {
        String uri = r.getString("uri", "");
        if (uri.startsWith(typed) || (!typed.isEmpty() && r.getString("name", "").startsWith(typed))) uris.add(uri);
      }
      String done = completion(typed, uris);
      return done == null ? input : input.substring(0, input.length() - typed.length()) + done;
    }
    if (input.startsWith("/") && !input.contains(" ")) {
      List<String> names = new ArrayList<>();
      for (JsonObject p : prompts) {
        String name = "/" + p.getString("server") + ":" + p.getString("name");
        if (name.startsWith(input)) names.add(name);
      }
      String done = completion(input, names);
      return done == null ? input : done;
    }
    return input;
  }

  /** The matches for what is typed, for a hint line: "@uri" or "/server:prompt args". */
  public List<String> candidates(String input) {
    List<String> out = new ArrayList<>();
    Matcher m = AT.matcher(input);
    if (m.find()) {
      for (JsonObject r : resources) if (r.getString("uri", "").startsWith(m.group(1))) out.add("@" + r.getString("uri"));
    } else if (input.startsWith("/")) {
      for (JsonObject p : prompts) {
        String name = "/" + p.getString("server") + ":" + p.getString("name");
        if (name.startsWith(input.split(" ")[0])) out.add(name + " " + usage(p));
      }
    }
    return out;
  }

  private static String completion(String typed, List<String> matches) {
    if (matches.isEmpty()) return null;
    if (matches.size() == 1) return matches.get(0) + " ";
    String prefix = matches.get(0);
    for (String s : matches) {
      int i = 0;
      while (i < prefix.length() && i < s.length() && prefix.charAt(i) == s.charAt(i)) i++;
      prefix = prefix.substring(0, i);
    }
    return prefix.length() > typed.length() ? prefix : null;
  }

  /** The attachments [{serverId, uri}] named in a message by {@code @uri} (known resources only, at most 5). */
  public JsonArray attachments(String message) {
    JsonArray out = new JsonArray();
    Matcher m = AT_ANY.matcher(message);
    while (m.find() && out.size() < 5) {
      String uri = m.group(1);
      for (JsonObject r : resources) {
        if (uri.equals(r.getString("uri")) && out.stream().noneMatch(a -> uri.equals(((JsonObject) a).getString("uri")))) {
          out.add(new JsonObject().put("serverId", r.getString("serverId")).put("uri", uri));
          break;
        }
      }
    }
    return out;
  }

  /** The prompt a {@code /server:name} command names, or null. */
  public JsonObject prompt(String command) {
    for (JsonObject p : prompts) {
      if (command.equals("/" + p.getString("server") + ":" + p.getString("name"))) return p;
    }
    return null;
  }

  /**
   * The prompt's arguments from the rest of the line: {@code name=value} pairs, other words given in the
   * declared order ("quoted words" stay together).
   */
  public static Map<String, String> arguments(JsonObject prompt, String args) {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    for (Object o : prompt.getJsonArray("arguments", new JsonArray())) positional.add(((JsonObject) o).getString("name"));
    Matcher m = Pattern.compile("(\\w[\\w-]*)=(\"[^\"]*\"|\\S+)|\"([^\"]*)\"|(\\S+)").matcher(args);
    List<String> loose = new ArrayList<>();
    while (m.find()) {
      if (m.group(1) != null) {
        out.put(m.group(1), unquote(m.group(2)));
        positional.remove(m.group(1));
      } else {
        loose.add(m.group(3) != null ? m.group(3) : m.group(4));
      }
    }
    for (String v : loose) {
      if (positional.isEmpty()) break;
      out.put(positional.remove(0), v);
    }
    return out;
  }

  /** The required arguments not given. */
  public static List<JsonObject> missing(JsonObject prompt, Map<String, String> given) {
    List<JsonObject> out = new ArrayList<>();
    for (Object o : prompt.getJsonArray("arguments", new JsonArray())) {
      JsonObject a = (JsonObject) o;
      if (a.getBoolean("required", false) && (given.get(a.getString("name")) == null || given.get(a.getString("name")).isBlank())) out.add(a);
    }
    return out;
  }

  private static String usage(JsonObject p) {
    StringBuilder sb = new StringBuilder();
    for (Object o : p.getJsonArray("arguments", new JsonArray())) {
      JsonObject a = (JsonObject) o;
      if (sb.length() > 0) sb.append(' ');
      sb.append(a.getBoolean("required", false) ? a.getString("name") : "[" + a.getString("name") + "]");
    }
    return sb.toString();
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }
}
