package dev.maestro.contracts.events;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every builder makes the documented envelope, and the shape check refuses what BUS.md does not document. */
class IntegrationEventsTest {
  private static final String S = "0b3f6f0e-6a55-4d55-9b7e-2f3c1c1d2e3f";

  @Test
  void everyTypeHasABuilderWhoseEnvelopeIsTheDocumentedShape() {
    List<JsonObject> all = List.of(
        IntegrationEvents.sessionCreated("u", S, "openai", "gpt-4o"),
        IntegrationEvents.sessionDeleted("u", S),
        IntegrationEvents.turnStarted("u", S, "t"),
        IntegrationEvents.turnCompleted("u", S, "t", "complete", 10, 2, 0.01),
        IntegrationEvents.approvalRequired("u", S, "t", "c", "run_command"),
        IntegrationEvents.approvalAnswered("u", S, "c", "deny"),
        IntegrationEvents.credentialStatus("u", "cred", "needs_reauth"),
        IntegrationEvents.mcpStatus("srv", "everything", "connected"));
    assertEquals(IntegrationEvents.DATA.keySet(), all.stream().map(e -> e.getString("type")).collect(java.util.stream.Collectors.toSet()));
    for (JsonObject e : all) {
      assertNull(IntegrationEvents.problem(e), e.encode());
      assertEquals(IntegrationEvents.VERSION, e.getInteger("version"));
    }
    JsonObject turn = all.get(3);
    assertEquals(new JsonObject().put("inputTokens", 10L).put("outputTokens", 2L).put("costUsd", 0.01),
        turn.getJsonObject("data").getJsonObject("usage"));
    assertTrue(all.get(7).containsKey("userId") && all.get(7).getValue("userId") == null, "MCP servers are shared: userId is null");
  }

  @Test
  void theShapeCheckRefusesUndocumentedFieldsAndMissingOnes() {
    JsonObject extra = IntegrationEvents.turnStarted("u", S, "t");
    extra.getJsonObject("data").put("text", "hello");
    assertNotNull(IntegrationEvents.problem(extra));
    JsonObject missing = IntegrationEvents.turnCompleted("u", S, "t", "complete", 1, 1, null);
    missing.getJsonObject("data").remove("status");
    assertNotNull(IntegrationEvents.problem(missing));
    assertNotNull(IntegrationEvents.problem(IntegrationEvents.turnStarted("u", S, "t").put("secret", "x")));
    assertNotNull(IntegrationEvents.problem(IntegrationEvents.turnStarted("u", S, "t").put("type", "nope")));
    assertNotNull(IntegrationEvents.problem(IntegrationEvents.turnStarted("u", S, "t").put("version", 2)));
    assertNotNull(IntegrationEvents.problem(IntegrationEvents.turnStarted("u", null, "t")), "a session event names its session");
    assertNotNull(IntegrationEvents.problem(IntegrationEvents.turnStarted(null, S, "t")), "a user event names its user");
  }
}
