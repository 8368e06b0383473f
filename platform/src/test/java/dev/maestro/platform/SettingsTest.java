package dev.maestro.platform;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one settings reader: defaults, overrides and one clear start-up message for every bad value. */
class SettingsTest {
  private static final String X = "MAESTRO_SETTINGS_TEST_X";

  private static Settings with(String value) {
    return Settings.of(new JsonObject().put(X, value));
  }

  private static void failsWith(Runnable read, String value, String form) {
    assertThatThrownBy(read::run).isExactlyInstanceOf(StartupException.class)
        .hasMessage(X + " must be " + form + ", got '" + value + "'");
  }

  enum Mode { FAST, SAFE }

  @Test
  void missingOrBlankMeansTheDefault() {
    Settings none = Settings.of(null);
    assertThat(none.integer(X, 7, 1, 10)).isEqualTo(7);
    assertThat(with("  ").whole(X, 9, 0, 100)).isEqualTo(9);
    assertThat(none.decimal(X, 0.5, 0, 1)).isEqualTo(0.5);
    assertThat(none.duration(X, Duration.ofSeconds(3), TimeUnit.SECONDS, Duration.ZERO)).hasSeconds(3);
    assertThat(none.bytes(X, 1024, 1, Long.MAX_VALUE)).isEqualTo(1024);
    assertThat(none.bool(X, true)).isTrue();
    assertThat(none.oneOf(X, "bubblewrap", "none")).isEqualTo("bubblewrap");
    assertThat(none.choice(X, Mode.class, Mode.SAFE)).isEqualTo(Mode.SAFE);
    assertThat(none.string(X, "d")).isEqualTo("d");
  }

  @Test
  void goodValuesAreRead() {
    assertThat(with(" 42 ").integer(X, 1, 1, 100)).isEqualTo(42);
    assertThat(with("0.25").decimal(X, 1, 0, 1)).isEqualTo(0.25);
    assertThat(with("1.5").duration(X, Duration.ZERO, TimeUnit.SECONDS, Duration.ZERO)).isEqualTo(Duration.ofMillis(1500));
    assertThat(with("64k").bytes(X, 1, 1, Long.MAX_VALUE)).isEqualTo(65536);
    assertThat(with("2M").bytes(X, 1, 1, Long.MAX_VALUE)).isEqualTo(2L << 20);
    assertThat(with("off").bool(X, true)).isFalse();
    assertThat(with("None").oneOf(X, "bubblewrap", "none")).isEqualTo("none");
    assertThat(with("fast").choice(X, Mode.class, Mode.SAFE)).isEqualTo(Mode.FAST);
  }

  @Test
  void theConfigWinsOverASystemProperty() {
    System.setProperty(X, "5");
    try {
      assertThat(Settings.of(new JsonObject()).integer(X, 1, 1, 10)).isEqualTo(5);
      assertThat(with("6").integer(X, 1, 1, 10)).isEqualTo(6);
    } finally {
      System.clearProperty(X);
    }
  }

  @Test
  void badValuesFailStartUpNamingTheVariableAndTheForm() {
    failsWith(() -> with("abc").integer(X, 1, 1, 100), "abc", "a whole number from 1 to 100");
    failsWith(() -> with("0").integer(X, 1, 1, Integer.MAX_VALUE), "0", "a whole number of at least 1");
    failsWith(() -> with("-1").whole(X, 1, 0, Long.MAX_VALUE), "-1", "a whole number (0 or more)");
    failsWith(() -> with("99999999999").integer(X, 1, 1, Integer.MAX_VALUE), "99999999999", "a whole number of at least 1");
    failsWith(() -> with("1.5").integer(X, 1, 1, 10), "1.5", "a whole number from 1 to 10");
    failsWith(() -> with("NaN").decimal(X, 1, 0, 1), "NaN", "a number from 0 to 1");
    failsWith(() -> with("2").decimal(X, 1, 0, 1), "2", "a number from 0 to 1");
    failsWith(() -> with("soon").duration(X, Duration.ZERO, TimeUnit.MILLISECONDS, Duration.ofMillis(1)), "soon",
        "a number of milliseconds of at least 1");
    failsWith(() -> with("Infinity").duration(X, Duration.ZERO, TimeUnit.SECONDS, Duration.ZERO), "Infinity",
        "a number of seconds of at least 0");
    failsWith(() -> with("12q").bytes(X, 1, 1, Long.MAX_VALUE), "12q", "a number of bytes (k, m or g allowed) of at least 1");
    failsWith(() -> with("9999999999g").bytes(X, 1, 1, Integer.MAX_VALUE), "9999999999g",
        "a number of bytes (k, m or g allowed) of at least 1");
    failsWith(() -> with("maybe").bool(X, true), "maybe", "true or false");
    failsWith(() -> with("rlimits").oneOf(X, "bubblewrap", "none", "both"), "rlimits", "'bubblewrap' (the default), 'none' or 'both'");
    failsWith(() -> with("slow").choice(X, Mode.class, Mode.SAFE), "slow", "one of fast safe");
  }

  @Test
  void maestroConfigNumbersFailTheSameWay() {
    MaestroConfig c = MaestroConfig.of(new JsonObject().put(MaestroConfig.HTTP_PORT, "-8080"));
    assertThatThrownBy(c::httpPort).isExactlyInstanceOf(StartupException.class)
        .hasMessage("MAESTRO_HTTP_PORT must be a whole number (0 or more), got '-8080'");
  }
}
