package dev.maestro.gateway;

/** Event-bus addresses private to the gateway instances. */
public final class GatewayAddresses {
  private GatewayAddresses() {}

  /** Published on token revocation {tokenId} or user deletion/password change {userId}: open sockets close at once. */
  public static final String REVOKED = "maestro.gateway.revoked";
}
