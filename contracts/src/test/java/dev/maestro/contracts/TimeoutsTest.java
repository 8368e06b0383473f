package dev.maestro.contracts;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tool-call timeouts nest, for every tool timeout the setting accepts. */
class TimeoutsTest {

  @Test
  void theDerivedTimeoutsNestFromTheInsideOut() {
    assertTrue(Timeouts.DEFAULT_TOOL_SECONDS <= Timeouts.MAX_TOOL_SECONDS);
    assertTrue(Timeouts.DEFAULT_CALL_SECONDS <= Timeouts.MAX_TOOL_SECONDS);
    assertTrue(Timeouts.MAX_TOOL_SECONDS < Timeouts.TOOL_HARD_LIMIT_SECONDS);
    assertTrue(Timeouts.TOOL_HARD_LIMIT_SECONDS * 1000L < Timeouts.TOOL_PROXY_SEND_TIMEOUT_MS);
    assertTrue(Timeouts.TOOL_PROXY_SEND_TIMEOUT_MS < Timeouts.MCP_CALL_CEILING_SECONDS * 1000L);
    assertTrue(Timeouts.mcpRequestTimeoutSeconds(20) >= Timeouts.MCP_CALL_CEILING_SECONDS);
    assertEquals(5000, Timeouts.mcpRequestTimeoutSeconds(5000));
    assertTrue(Timeouts.elicitationProxySendTimeoutMs(300_000) > 300_000);
  }

  /** The old fixed 15-minute proxy gave up on a tool still running: every accepted value now fits inside. */
  @ParameterizedTest
  @ValueSource(strings = {"1", "600", "900", "901", "1800", "3600"})
  void everyAcceptedToolTimeoutEndsBeforeTheProxyGivesUp(String value) {
    long seconds = Timeouts.toolSeconds(new JsonObject().put(Timeouts.TOOL_TIMEOUT, value));
    assertEquals(Long.parseLong(value), seconds);
    assertTrue(seconds * 1000 < Timeouts.TOOL_PROXY_SEND_TIMEOUT_MS, "tool " + seconds + " s outlives the proxy");
    assertTrue(seconds <= Timeouts.MAX_TOOL_SECONDS, "tool-service would clamp " + seconds + " s");
  }

  @Test
  void noSettingMeansTheDocumentedDefault() {
    assertEquals(600, Timeouts.toolSeconds(new JsonObject()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-5", "3601", "86400", "ten", "NaN"})
  void aToolTimeoutThatBreaksTheNestingIsRefusedNamingTheSetting(String value) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Timeouts.toolSeconds(new JsonObject().put(Timeouts.TOOL_TIMEOUT, value)));
    assertTrue(e.getMessage().startsWith(Timeouts.TOOL_TIMEOUT), e.getMessage());
  }

  @Test
  void anElicitationMustEndBeforeTheToolCallThatAskedIt() {
    Timeouts.checkElicitation(600, 300_000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timeouts.checkElicitation(60, 60_000));
    assertTrue(e.getMessage().contains("MAESTRO_ELICITATION_TIMEOUT_MS"), e.getMessage());
    assertTrue(e.getMessage().contains(Timeouts.TOOL_TIMEOUT), e.getMessage());
  }
}
