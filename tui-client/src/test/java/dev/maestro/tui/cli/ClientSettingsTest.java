package dev.maestro.tui.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientSettingsTest {
  @TempDir
  Path dir;

  private CliArgs args(String... argv) {
    return CliArgs.parse(argv);
  }

  @Test
  void commandLineBeatsEnvironmentBeatsFile() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, new JsonObject().put("url", "http://file:1").put("token", "file-token").encode());
    Map<String, String> env = Map.of("MAESTRO_CONFIG", file.toString());
    assertThat(ClientSettings.resolve(args(), env)).extracting(ClientSettings::url, ClientSettings::token)
        .containsExactly("http://file:1", "file-token");
    Map<String, String> env2 = Map.of("MAESTRO_CONFIG", file.toString(), "MAESTRO_TOKEN", "env-token");
    assertThat(ClientSettings.resolve(args(), env2).token()).isEqualTo("env-token");
    assertThat(ClientSettings.resolve(args("--token", "cli-token"), env2).token()).isEqualTo("cli-token");
  }

  @Test
  void savedTokenIsNotSentToAnotherGateway() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, new JsonObject().put("url", "http://file:1").put("token", "file-token").encode());
    ClientSettings s = ClientSettings.resolve(args("--url", "http://other:2"), Map.of("MAESTRO_CONFIG", file.toString()));
    assertThat(s.url()).isEqualTo("http://other:2");
    assertThat(s.token()).isNull();
  }

  @Test
  void defaultsToLocalGatewayAndXdgConfigPath() {
    ClientSettings s = ClientSettings.resolve(args(), Map.of("XDG_CONFIG_HOME", dir.toString()));
    assertThat(s.url()).isEqualTo(ClientSettings.DEFAULT_URL);
    assertThat(s.token()).isNull();
    assertThat(s.configFile()).isEqualTo(dir.resolve("maestro/config.json"));
  }

  @Test
  void savedFileIsOwnerOnlyAndReadBack() throws Exception {
    ClientSettings s = ClientSettings.resolve(args("--url", "http://gw:9"), Map.of("XDG_CONFIG_HOME", dir.toString()));
    s.save("minted");
    Path file = dir.resolve("maestro/config.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    ClientSettings again = ClientSettings.resolve(args(), Map.of("XDG_CONFIG_HOME", dir.toString()));
    assertThat(again.url()).isEqualTo("http://gw:9");
    assertThat(again.token()).isEqualTo("minted");
  }
}
