package dev.maestro.session;

import dev.maestro.contracts.Timeouts;
import dev.maestro.platform.StartupException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The session's tool timeout comes from contracts' Timeouts and is checked against the nesting at start-up. */
class SessionSettingsTest {

  @Test
  void aToolTimeoutAboveFifteenMinutesIsKeptAndTheToolProxyOutlivesIt() {
    SessionSettings s = SessionSettings.from(new JsonObject().put(SessionSettings.TOOL_TIMEOUT, "1200"));
    assertEquals(1200, s.toolTimeoutSeconds());
    assertTrue(s.toolTimeoutSeconds() * 1000 < Timeouts.TOOL_PROXY_SEND_TIMEOUT_MS);
  }

  @Test
  void aToolTimeoutAboveWhatToolServiceAllowsStopsStartUp() {
    StartupException e = assertThrows(StartupException.class,
        () -> SessionSettings.from(new JsonObject().put(SessionSettings.TOOL_TIMEOUT, "7200")));
    assertTrue(e.getMessage().contains("MAESTRO_SESSION_TOOL_TIMEOUT_SECONDS"), e.getMessage());
  }

  @Test
  void anElicitationTimeoutNotBelowTheToolTimeoutStopsStartUp() {
    StartupException e = assertThrows(StartupException.class, () -> SessionSettings.from(new JsonObject()
        .put(SessionSettings.TOOL_TIMEOUT, "120").put("MAESTRO_ELICITATION_TIMEOUT_MS", "120000")));
    assertTrue(e.getMessage().contains("MAESTRO_ELICITATION_TIMEOUT_MS"), e.getMessage());
  }
}
