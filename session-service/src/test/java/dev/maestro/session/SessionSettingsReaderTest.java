package dev.maestro.session;

import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.platform.StartupException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** session-service settings go through the common reader: fractional seconds, and one start-up message for bad values. */
class SessionSettingsReaderTest {
  @Test
  void secondsMayBeFractional() {
    SessionSettings s = SessionSettings.from(new JsonObject().put(SessionSettings.IDLE_TIMEOUT, "0.5"));
    assertThat(s.idleTimeoutMs()).isEqualTo(500);
    assertThat(s.elicitationTimeoutMs()).isEqualTo(ElicitationForm.DEFAULT_TIMEOUT_MS);
  }

  @Test
  void badValuesAreStartupErrorsNamingTheVariable() {
    assertThatThrownBy(() -> SessionSettings.from(new JsonObject().put(ElicitationForm.TIMEOUT, "0")))
        .isExactlyInstanceOf(StartupException.class)
        .hasMessage("MAESTRO_ELICITATION_TIMEOUT_MS must be a whole number of at least 1, got '0'");
    assertThatThrownBy(() -> SessionSettings.from(new JsonObject().put(SessionSettings.MAX_TOOL_ROUNDS, "many")))
        .isExactlyInstanceOf(StartupException.class).hasMessageContaining("MAESTRO_SESSION_MAX_TOOL_ROUNDS");
    assertThatThrownBy(() -> SessionSettings.from(new JsonObject().put(SessionSettings.MAX_LIVE_PER_USER, "0")))
        .isExactlyInstanceOf(StartupException.class).hasMessageContaining("at least 1");
  }
}
