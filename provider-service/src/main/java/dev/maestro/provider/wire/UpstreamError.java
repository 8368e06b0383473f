package dev.maestro.provider.wire;

/**
 * A failure reported by (or on the way to) a provider. {@code status} is the HTTP status, or the
 * HTTP-equivalent for in-stream errors, or 0 for transport failures ({@code type} is then
 * {@code connection}, {@code timeout} or {@code stream_cut}). {@code retryAfterMs} is the
 * provider's requested delay when it gave one; {@code shouldRetry} the {@code x-should-retry} header.
 */
public record UpstreamError(int status, String type, String message, Long retryAfterMs, Boolean shouldRetry) {
  public static final String CONNECTION = "connection";
  public static final String TIMEOUT = "timeout";
  public static final String STREAM_CUT = "stream_cut";

  public static UpstreamError of(int status, String type, String message) {
    return new UpstreamError(status, type, message, null, null);
  }

  public static UpstreamError transport(String type, String message) {
    return new UpstreamError(0, type, message, null, null);
  }

  public UpstreamError withRetry(Long retryAfterMs, Boolean shouldRetry) {
    return new UpstreamError(status, type, message, retryAfterMs, shouldRetry);
  }
}
