package dev.maestro.session;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chaos session-kill (issue 17): a command forwarded to an owner whose node is killed outright fails as
 * soon as the cluster sees the node leave (OwnerFailoverTest); only commands that cannot take effect twice
 * are then run again by the new owner.
 */
class SafeToRepeatTest {
  @Test
  void onlyReadsAndKeyedSendsAreRunAgainByTheNextOwner() {
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "state"))).isTrue();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "events").put("afterSeq", 3))).isTrue();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "send").put("text", "x").put("idempotencyKey", "k1"))).isTrue();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "send").put("text", "x"))).isFalse();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "approve").put("callId", "c").put("decision", "allow"))).isFalse();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "cancel").put("asUser", "u"))).isFalse();
  }
}
