package dev.maestro.provider.wire;

import dev.maestro.contracts.provider.ProviderEvents;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorClassifierTest {

  @Test
  void retryDelaysComeFromRetryAfterMsRetryAfterOrGoogleRetryInfo() {
    assertThat(Wires.retryAfterMs(MultiMap.caseInsensitiveMultiMap().add("retry-after-ms", "250").add("retry-after", "9"))).isEqualTo(250L);
    assertThat(Wires.retryAfterMs(MultiMap.caseInsensitiveMultiMap().add("Retry-After", "2"))).isEqualTo(2000L);
    assertThat(Wires.retryAfterMs(MultiMap.caseInsensitiveMultiMap().add("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"))).isZero();
    assertThat(Wires.retryAfterMs(MultiMap.caseInsensitiveMultiMap())).isNull();
    UpstreamError g = new GeminiAdapter().parseError(429, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(
        "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"1.5s\"}]}}"));
    assertThat(g.retryAfterMs()).isEqualTo(1500L);
    assertThat(g.type()).isEqualTo("RESOURCE_EXHAUSTED");
  }

  @Test
  void codesAndRetryDecisions() {
    assertThat(ErrorClassifier.classify(UpstreamError.of(429, "rate_limit_error", "slow down")))
        .isEqualTo(new ErrorClassifier.Classified(ProviderEvents.RATE_LIMITED, true, false));
    assertThat(ErrorClassifier.classify(UpstreamError.of(429, "insufficient_quota", "You exceeded your current quota")).retryable()).isFalse();
    assertThat(ErrorClassifier.classify(UpstreamError.of(529, "overloaded_error", "Overloaded")))
        .isEqualTo(new ErrorClassifier.Classified(ProviderEvents.OVERLOADED, true, true));
    assertThat(ErrorClassifier.classify(UpstreamError.of(400, "context_length_exceeded", "This model's maximum context length is 128000 tokens")).code())
        .isEqualTo(ProviderEvents.CONTEXT_TOO_LONG);
    assertThat(ErrorClassifier.classify(UpstreamError.of(400, "INVALID_ARGUMENT", "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).")).code())
        .isEqualTo(ProviderEvents.CONTEXT_TOO_LONG);
    assertThat(ErrorClassifier.classify(UpstreamError.of(400, "invalid_request_error", "messages: roles must alternate")).code())
        .isEqualTo(ProviderEvents.BAD_REQUEST);
    assertThat(ErrorClassifier.classify(UpstreamError.transport(UpstreamError.CONNECTION, "refused")))
        .isEqualTo(new ErrorClassifier.Classified(ProviderEvents.UPSTREAM_UNAVAILABLE, true, true));
    assertThat(ErrorClassifier.classify(UpstreamError.transport(UpstreamError.TIMEOUT, "slow")).code()).isEqualTo(ProviderEvents.TIMEOUT);
    // x-should-retry overrides the status rule
    assertThat(ErrorClassifier.classify(UpstreamError.of(500, "api_error", "x").withRetry(null, false)).retryable()).isFalse();
  }

  @Test
  void nonJsonErrorBodiesAreNeverEchoedButJsonMessagesAre() {
    // a base URL may point anywhere: a page that is not a provider's JSON error is not the member's to read
    UpstreamError e = new OpenAiChatAdapter(true).parseError(502, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("<html>Bad Gateway</html>"));
    assertThat(e.status()).isEqualTo(502);
    assertThat(e.message()).isEmpty();
    assertThat(new AnthropicAdapter().parseError(500, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("secret page")).message()).isEmpty();
    assertThat(new GeminiAdapter().parseError(500, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("secret page")).message()).isEmpty();
    UpstreamError s = new OpenAiChatAdapter(true).parseError(400, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("{\"error\":\"model not loaded\"}"));
    assertThat(s.message()).isEqualTo("model not loaded");
  }
}
