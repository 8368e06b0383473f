package dev.maestro.contracts.provider;

import io.vertx.core.json.JsonObject;

/**
 * Normalized stream events sent to a stream's reply address. Each body carries
 * {@code streamId} and {@code type}:
 * <ul>
 *   <li>{@code text} {text}, {@code thinking} {text, signature?, redactedData?}: thinking deltas carry
 *       text; when an Anthropic thinking block closes, one more {@code thinking} event carries
 *       {@code text:""} and its {@code signature} (a redacted block: {@code redactedData}). Keep them on
 *       the stored thinking part and send them back unchanged.</li>
 *   <li>{@code tool_call} {id, name, arguments (complete JSON object), signature?}: signature is
 *       Gemini's thoughtSignature, to be kept on the tool_call part.</li>
 *   <li>{@code usage} {inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens}, once, before done</li>
 *   <li>{@code done} {stopReason, rawStopReason}: stopReason is one of end_turn, tool_use, max_tokens,
 *       stop_sequence, refusal, pause_turn, other; {@code error} {code, message}</li>
 * </ul>
 * Exactly one {@code done} or {@code error} ends a stream; nothing follows it.
 */
public final class ProviderEvents {
  private ProviderEvents() {}

  public static final String TEXT = "text";
  public static final String THINKING = "thinking";
  public static final String TOOL_CALL = "tool_call";
  public static final String USAGE = "usage";
  public static final String DONE = "done";
  public static final String ERROR = "error";

  /** Stable error codes. */
  public static final String AUTH_FAILED = "auth_failed";
  public static final String RATE_LIMITED = "rate_limited";
  public static final String OVERLOADED = "overloaded";
  public static final String CONTEXT_TOO_LONG = "context_too_long";
  public static final String BAD_REQUEST = "bad_request";
  public static final String UPSTREAM_UNAVAILABLE = "upstream_unavailable";
  public static final String TIMEOUT = "timeout";
  public static final String CANCELLED = "cancelled";
  /**
   * Header of a stream's first event: the cluster node id of the provider-service serving it, so the
   * session can end the stream at once when that node leaves its view of the cluster (issue 17).
   */
  public static final String NODE_HEADER = "maestro-provider-node";

  public static JsonObject text(String streamId, String text) {
    return base(streamId, TEXT).put("text", text);
  }

  public static JsonObject thinking(String streamId, String text) {
    return base(streamId, THINKING).put("text", text);
  }

  /** The signature that closes an Anthropic thinking block. */
  public static JsonObject thinkingSignature(String streamId, String signature) {
    return base(streamId, THINKING).put("text", "").put("signature", signature);
  }

  /** An Anthropic redacted_thinking block (opaque data to send back). */
  public static JsonObject redactedThinking(String streamId, String data) {
    return base(streamId, THINKING).put("text", "").put("redactedData", data);
  }

  /**
   * Where provider-service nodes listen for cancellation (one consumer per node, see
   * {@link dev.maestro.contracts.Addresses#PROVIDER_CANCEL}): {@link ProviderService#cancel} publishes
   * {@link #cancelRequest} there when the stream does not run on the node that got the call.
   */
  public static final String CANCEL_ADDRESS = dev.maestro.contracts.Addresses.PROVIDER_CANCEL;

  /** The body published to {@link #CANCEL_ADDRESS}. */
  public static JsonObject cancelRequest(String streamId) {
    return new JsonObject().put("streamId", streamId);
  }

  public static JsonObject toolCall(String streamId, String id, String name, JsonObject arguments) {
    return base(streamId, TOOL_CALL).put("id", id).put("name", name).put("arguments", arguments);
  }

  public static JsonObject usage(String streamId, long input, long output, long cacheRead, long cacheWrite) {
    return base(streamId, USAGE).put("inputTokens", input).put("outputTokens", output)
        .put("cacheReadTokens", cacheRead).put("cacheWriteTokens", cacheWrite);
  }

  public static JsonObject done(String streamId, String stopReason) {
    return base(streamId, DONE).put("stopReason", stopReason);
  }

  public static JsonObject error(String streamId, String code, String message) {
    return base(streamId, ERROR).put("code", code).put("message", message);
  }

  private static JsonObject base(String streamId, String type) {
    return new JsonObject().put("streamId", streamId).put("type", type);
  }
}
