package dev.maestro.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The bench's hop stamps stay off the documented event shapes unless a service was started with them. */
class HopStampsTest {
  @Test
  void offByDefaultNothingIsAddedToAnyEvent() {
    assertThat(System.getenv(HopStamps.ENV)).as("the test JVM runs without the bench flag").isNull();
    assertThat(HopStamps.on()).isFalse();
    JsonObject provider = HopStamps.provider(new JsonObject().put("type", "text").put("text", "hi"));
    assertThat(provider.fieldNames()).containsExactlyInAnyOrder("type", "text");
    // even a provider event carrying a stamp (a node started with the flag) is not copied by a node without it
    JsonObject delta = HopStamps.session(provider.copy().put(HopStamps.PROVIDER, 5L), new JsonObject().put("type", "delta"), 7L);
    assertThat(delta.fieldNames()).containsExactly("type");
  }

  @Test
  void stampsAreEpochMicroseconds() {
    long before = System.currentTimeMillis() * 1000;
    long stamp = HopStamps.nowMicros();
    long after = System.currentTimeMillis() * 1000 + 1000;
    assertThat(stamp).isBetween(before, after);
  }
}
