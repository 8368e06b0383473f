package dev.maestro.tool.mcp;

import dev.maestro.tool.builtin.EnvScrubber;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class McpNamesTest {
  @Test
  void exposedNamesAreNamespacedAndProviderSafe() {
    assertThat(McpManager.exposedName("fs", "read_text_file")).isEqualTo("fs__read_text_file");
    assertThat(McpManager.exposedName("web", "get-sum")).isEqualTo("web__get-sum");
    assertThat(McpManager.exposedName("x", "ns.tool/v2 beta")).isEqualTo("x__ns_tool_v2_beta");
    String longName = McpManager.exposedName("server-with-a-long-name", "t".repeat(120));
    assertThat(longName).hasSize(64).startsWith("server-with-a-long-name__").matches("^[a-zA-Z0-9_-]{1,64}$");
  }

  @Test
  void secretLookingNamesAreSensitive() {
    for (String n : new String[] {"MAESTRO_PG_URL", "maestro_anything", "OPENAI_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD",
        "AWS_SECRET_ACCESS_KEY", "Authorization", "X-Api-Key", "SESSION_COOKIE", "GH_PAT", "SSH_AUTH_SOCK"}) {
      assertThat(EnvScrubber.sensitive(n)).as(n).isTrue();
    }
    for (String n : new String[] {"PATH", "HOME", "LANG", "PWD", "TERM", "Content-Type", "MODE"}) {
      assertThat(EnvScrubber.sensitive(n)).as(n).isFalse();
    }
  }
}
