package dev.maestro.provider.wire;

import dev.maestro.contracts.provider.ProviderEvents;

import java.util.Locale;
import java.util.regex.Pattern;

/** Maps an {@link UpstreamError} to a stable {@link ProviderEvents} error code and a retry decision. */
public final class ErrorClassifier {
  private ErrorClassifier() {}

  /** code: a ProviderEvents error code; retryable: worth another attempt before any delta; breaker: counts as "provider down". */
  public record Classified(String code, boolean retryable, boolean countsForBreaker) {}

  private static final Pattern CONTEXT = Pattern.compile(
      "prompt is too long|context length|context_length|context window|maximum context|too many tokens"
          + "|input is too long|exceeds the maximum number of tokens|input token count.*exceeds|reduce the length");

  public static Classified classify(UpstreamError e) {
    String type = e.type() == null ? "" : e.type().toLowerCase(Locale.ROOT);
    String msg = e.message() == null ? "" : e.message().toLowerCase(Locale.ROOT);
    Classified c = switch (e.status()) {
      case 0 -> switch (type) {
        case UpstreamError.TIMEOUT -> new Classified(ProviderEvents.TIMEOUT, true, true);
        default -> new Classified(ProviderEvents.UPSTREAM_UNAVAILABLE, true, true);
      };
      case 401, 403 -> new Classified(ProviderEvents.AUTH_FAILED, false, false);
      case 408 -> new Classified(ProviderEvents.TIMEOUT, true, false);
      case 409 -> new Classified(ProviderEvents.BAD_REQUEST, true, false);
      case 413 -> new Classified(ProviderEvents.CONTEXT_TOO_LONG, false, false);
      case 429 -> {
        // a spent quota is not a transient limit: retrying cannot help
        boolean quota = type.contains("insufficient_quota") || msg.contains("enforced_spend_limit")
            || msg.contains("exceeded your current quota");
        yield new Classified(ProviderEvents.RATE_LIMITED, !quota, false);
      }
      case 503, 529 -> new Classified(ProviderEvents.OVERLOADED, true, true);
      case 504 -> new Classified(ProviderEvents.TIMEOUT, true, true);
      default -> {
        if (e.status() >= 500) yield new Classified(ProviderEvents.UPSTREAM_UNAVAILABLE, true, true);
        if (type.contains("context_length") || CONTEXT.matcher(msg).find()) {
          yield new Classified(ProviderEvents.CONTEXT_TOO_LONG, false, false);
        }
        yield new Classified(ProviderEvents.BAD_REQUEST, false, false);
      }
    };
    if (e.shouldRetry() != null && e.status() != 0) {
      c = new Classified(c.code(), e.shouldRetry(), c.countsForBreaker());
    }
    return c;
  }
}
