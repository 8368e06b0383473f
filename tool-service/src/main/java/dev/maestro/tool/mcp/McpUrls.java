package dev.maestro.tool.mcp;

import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.platform.net.OutboundRefusedException;
import io.modelcontextprotocol.spec.McpTransportException;

import java.net.URI;

/**
 * The outbound-URL policy for HTTP MCP servers. Their transports use java.net.http, which resolves
 * names itself and cannot be told which address to connect to; so every request (our Streamable
 * HTTP transport's POST / GET / DELETE, and each request of the SDK's HTTP+SSE transport, including
 * the message endpoint the server names) is checked just before it is sent, by resolving the name
 * through the same JVM resolver. Its positive cache (networkaddress.cache.ttl, 30 s by default)
 * makes the connect that follows see the answer that was checked; only an entry that expires in the
 * moment between check and connect could still be re-pointed (the residual rebinding window). The
 * connection first checks off the event loop ({@code OutboundHttp}), so these per-request lookups
 * are normally answered from that cache.
 */
final class McpUrls {
  private McpUrls() {}

  /** A request the policy refused; its message names the URL and the rule. */
  static final class Refused extends McpTransportException {
    Refused(String message) {
      super(message);
    }
  }

  /** Refuses ({@link Refused}) a request to a URL the policy does not allow. Blocking (DNS). */
  static void check(OutboundPolicy policy, URI uri) {
    try {
      policy.check(uri.toString());
    } catch (OutboundRefusedException e) {
      throw new Refused("MCP server URL " + uri + " " + e.getMessage());
    }
  }

  /** The refusal somewhere in err's causes (the SDK wraps transport failures), or null. */
  static Refused refusal(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Refused r) return r;
    }
    return null;
  }
}
