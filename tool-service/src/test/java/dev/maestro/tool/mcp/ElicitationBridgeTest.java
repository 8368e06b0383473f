package dev.maestro.tool.mcp;

import dev.maestro.tool.exec.CallContext;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Which running call an elicitation/create belongs to: it must never reach the wrong session's user. */
class ElicitationBridgeTest {
  final Map<Object, CallContext> inFlight = new ConcurrentHashMap<>();
  final ElicitationBridge bridge = new ElicitationBridge(inFlight);

  static McpSchema.ElicitRequest request(Map<String, Object> meta) {
    return new McpSchema.ElicitRequest("?", Map.of("type", "object"), meta);
  }

  static CallContext call(String callId, String sessionId) {
    return new CallContext(callId, sessionId, 30, null);
  }

  @Test
  void theOnlyCallInFlightIsTheOne() {
    CallContext a = call("a", "s1");
    inFlight.put("a", a);
    assertThat(bridge.callOf(request(null))).isSameAs(a);
  }

  @Test
  void callsOfOneSessionGoToThatSession() {
    inFlight.put("a", call("a", "s1"));
    inFlight.put("b", call("b", "s1"));
    assertThat(bridge.callOf(request(null)).sessionId()).isEqualTo("s1");
  }

  @Test
  void callsOfSeveralSessionsAreAmbiguousUnlessTheServerEchoesTheProgressToken() {
    CallContext b = call("b", "s2");
    inFlight.put("a", call("a", "s1"));
    inFlight.put("b", b);
    assertThat(bridge.callOf(request(null))).isNull();
    assertThat(bridge.callOf(request(Map.of("progressToken", "b")))).isSameAs(b);
    assertThat(bridge.callOf(request(Map.of("progressToken", "unknown")))).isNull();
  }

  @Test
  void noCallNoSessionsNoAnswer() {
    assertThat(bridge.callOf(request(null))).isNull();
    inFlight.put("a", call("a", null));
    inFlight.put("b", call("b", null));
    assertThat(bridge.callOf(request(null))).isNull();
  }
}
