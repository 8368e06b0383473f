package dev.maestro.gateway;

import dev.maestro.gateway.api.MemberView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 13 point 7: what of an MCP server URL a member may see (every encoding of a secret in it masked). */
class MemberViewTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "https://mcp.example/x?key=SECRET|https://mcp.example/x?key=********",
      "https://mcp.example/x?a=1&token=SECRET|https://mcp.example/x?a=********&token=********",
      "https://mcp.example/x?SECRET|https://mcp.example/x?********",
      "https://u:SECRET@mcp.example/x|https://********@mcp.example/x",
      "https://SECRET@mcp.example:8443/x?k=SECRET#SECRET|https://********@mcp.example:8443/x?k=********#********",
      "https://mcp.example/x?k=SECRET%26more|https://mcp.example/x?k=********",
      "https://mcp.example/x|https://mcp.example/x",
      "not a url with SECRET ^|********"})
  void urlSecretsAreMaskedForMembers(String url, String shown) {
    JsonObject s = MemberView.mcpServer(new JsonObject().put("url", url).put("error", "cannot reach " + url), false);
    assertThat(s.getString("url")).isEqualTo(shown).doesNotContain("SECRET");
    assertThat(s.getString("error")).doesNotContain("SECRET");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"args", "env", "headers"})
  void argsEnvAndHeaderValuesAreMaskedKeysKept(String field) {
    JsonObject in = new JsonObject().put("args", new JsonArray().add("--key").add("SECRET"))
        .put("env", new JsonObject().put("API_KEY", "SECRET")).put("headers", new JsonObject().put("Authorization", "SECRET"));
    JsonObject member = MemberView.mcpServer(in, false);
    assertThat(member.getValue(field).toString()).doesNotContain("SECRET").contains("********");
    assertThat(member.getJsonObject("env").fieldNames()).containsExactly("API_KEY");
    assertThat(MemberView.mcpServer(in, true).getValue(field).toString()).contains("SECRET");
  }
}
