package dev.maestro.tool.mcp;

import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The one place a 401/403 becomes "sign in": status and challenge found through the SDK's wrappers. */
class McpAuthStateTest {

  private static Throwable refusal(int status, String challenge) {
    HttpHeaders headers = HttpHeaders.of(challenge == null ? Map.of() : Map.of("WWW-Authenticate", List.of(challenge)), (a, b) -> true);
    HttpResponse.ResponseInfo info = new HttpResponse.ResponseInfo() {
      @Override public int statusCode() { return status; }
      @Override public HttpHeaders headers() { return headers; }
      @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    };
    // wrapped twice, as Reactor and the SDK hand it over
    return new RuntimeException(new IllegalStateException("", new McpHttpClientTransportAuthorizationException("refused", info)));
  }

  @Test
  void aRefusalIsExplainedAndItsChallengeKeptUntilAccepted() {
    McpAuthState auth = new McpAuthState();
    Throwable explained = auth.explain(refusal(403, "Bearer error=\"insufficient_scope\""), " on tools/list");
    assertThat(explained).hasMessageStartingWith("HTTP 403 from the server on tools/list: it requires authorization");
    assertThat(auth.challenge()).isEqualTo("Bearer error=\"insufficient_scope\"");
    auth.accepted();
    assertThat(auth.challenge()).isNull();
  }

  @Test
  void aRefusalWithoutChallengeIsStillSignInAndOtherFailuresPassThrough() {
    McpAuthState auth = new McpAuthState();
    assertThat(auth.refused(refusal(401, null))).isEqualTo(401);
    assertThat(auth.challenge()).isEmpty();
    McpAuthState other = new McpAuthState();
    IllegalStateException plain = new IllegalStateException("connection refused");
    assertThat(other.explain(plain, "")).isSameAs(plain);
    assertThat(other.challenge()).isNull();
    assertThat(McpErrors.message(new RuntimeException(null, plain))).isEqualTo("connection refused");
    assertThat(McpErrors.timedOut(new RuntimeException(new java.util.concurrent.TimeoutException()))).isTrue();
  }
}
