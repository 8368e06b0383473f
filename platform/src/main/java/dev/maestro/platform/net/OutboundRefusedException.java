package dev.maestro.platform.net;

/**
 * An outbound URL the {@link OutboundPolicy} refuses. The message names the rule and is safe to show
 * to the member who typed the URL (it names the host and address, never anything we fetched).
 */
public final class OutboundRefusedException extends RuntimeException {
  /** Which rule refused the URL. */
  public enum Rule {
    /** Not a parseable http(s) URL, an ambiguous host, user info in the authority. */
    MALFORMED,
    /** Link-local or cloud metadata: never allowed, whatever the admin lists. */
    METADATA,
    /** Loopback or private network not listed in MAESTRO_ALLOWED_PRIVATE_HOSTS. */
    PRIVATE,
    /** Multicast, broadcast, documentation and other addresses no HTTP server lives on. */
    RESERVED,
    /** The name does not resolve. */
    UNRESOLVED
  }

  private final Rule rule;

  public OutboundRefusedException(Rule rule, String message) {
    super(message, null, false, false);
    this.rule = rule;
  }

  public Rule rule() {
    return rule;
  }
}
