package dev.maestro.tui.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Where the gateway is and which token to use: command line, then MAESTRO_URL / MAESTRO_TOKEN,
 * then the config file ({@code ~/.config/maestro/config.json}, or MAESTRO_CONFIG / --config), then
 * the default URL. The file holds a token, so it is written with mode 0600 only.
 */
public record ClientSettings(String url, String token, Path configFile) {
  public static final String DEFAULT_URL = "http://localhost:8080";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  public static ClientSettings resolve(CliArgs args, Map<String, String> env) {
    Path file = configPath(args.configFile(), env);
    JsonObject saved = read(file);
    String url = first(args.url(), env.get("MAESTRO_URL"), saved.getString("url"), DEFAULT_URL);
    String token = first(args.token(), env.get("MAESTRO_TOKEN"), savedTokenFor(saved, url), null);
    return new ClientSettings(url, token, file);
  }

  /** A saved token only applies to the gateway it was minted on. */
  private static String savedTokenFor(JsonObject saved, String url) {
    String savedUrl = saved.getString("url");
    return savedUrl == null || savedUrl.equals(url) ? saved.getString("token") : null;
  }

  static Path configPath(String explicit, Map<String, String> env) {
    if (explicit != null) {
      return Path.of(explicit);
    }
    if (env.get("MAESTRO_CONFIG") != null) {
      return Path.of(env.get("MAESTRO_CONFIG"));
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
    return base.resolve("maestro").resolve("config.json");
  }

  static JsonObject read(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        return new JsonObject();
      }
      return new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return new JsonObject();
    }
  }

  /** Saves url and token; the file is created 0600 before any secret is written into it. */
  public void save(String newToken) throws IOException {
    Path dir = configFile.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    JsonObject content = read(configFile).put("url", url).put("token", newToken);
    if (!Files.exists(configFile)) {
      try {
        Files.createFile(configFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (UnsupportedOperationException e) {
        Files.createFile(configFile);
      }
    }
    try {
      Files.setPosixFilePermissions(configFile, OWNER_ONLY);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system; nothing more we can do
    }
    Files.writeString(configFile, content.encodePrettily(), StandardCharsets.UTF_8);
  }

  public ClientSettings withToken(String newToken) {
    return new ClientSettings(url, newToken, configFile);
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
