package dev.maestro.bench.floor;

/**
 * The bare chain's event-bus addresses and message layout. Bodies are plain strings (the cheapest
 * codec Vert.x has), fields tab-separated, the first character the kind: {@code d} a delta,
 * {@code e} the end of a turn, {@code x} a failed turn. No JSON on the bus: the floor must not be
 * raised by an encoding Maestro could avoid.
 */
final class FloorBus {
  /** S: a turn starts (request from G: {@code <stream>\t<gateway inbox>}; reply after the transaction commits). */
  static final String SESSION_TURN = "floor.session.turn";
  /** S: what P streams back ({@code <kind><turn>\t<text>}); one consumer, like a session node's inbox. */
  static final String SESSION_IN = "floor.session.in";
  /** P: open the upstream stream (request from S: {@code <turn>\t<address to stream to>}; reply when the upstream answered). */
  static final String PROVIDER_START = "floor.provider.start";
  /** Health: G → S → P and back, so "UP" means the whole chain is clustered and its consumers are known. */
  static final String SESSION_PING = "floor.session.ping";
  static final String PROVIDER_PING = "floor.provider.ping";

  /** Settings the bench hands to the chain's JVMs (MAESTRO_* so the platform passes them on as config()). */
  static final String UPSTREAM_PORT = "MAESTRO_FLOOR_UPSTREAM_PORT";
  static final String HTTP_PORT = "MAESTRO_FLOOR_HTTP_PORT";
  static final String UPSTREAM_POOL = "MAESTRO_FLOOR_UPSTREAM_POOL";
  static final String PG_POOL = "MAESTRO_FLOOR_PG_POOL";

  private FloorBus() {}

  /** G's node inbox: one consumer per gateway node, as Maestro's gateway has. */
  static String gatewayInbox(String nodeId) {
    return "floor.gateway." + nodeId;
  }
}
