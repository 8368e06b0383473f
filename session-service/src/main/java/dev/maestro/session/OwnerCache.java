package dev.maestro.session;

import dev.maestro.platform.Settings;
import dev.maestro.platform.NodeMembership;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node's memory of who owned a session the last time it looked (issue 14): {@code sessionId → owner id}
 * as read from (or written to) the cluster's owner map, so a command for a session whose owner is known
 * goes straight to it without a Hazelcast map read. Bounded (least recently used goes first), thread-safe
 * (the router's callers and the membership thread use it).
 *
 * <p>An entry is only a hint, never an authority: the router that receives a request checks that it is
 * the session's live owner (or that the owner map names it) before it activates anything, and answers
 * "not owner" otherwise ({@link SessionRouter}); the sender then drops the entry and asks the map. So a
 * stale entry costs one extra hop, never a second owner. Entries are dropped when the router learns they
 * may be stale:
 * <ul>
 *   <li>a node leaves the cluster: every entry naming a router of that node ({@link #start});</li>
 *   <li>this node's router lets a session go (idle passivation, eviction, a drain's release, a fenced
 *       copy stopping, a failed activation);</li>
 *   <li>{@code maestro.session.activated} announces another owner;</li>
 *   <li>a forward to the cached owner fails (no handlers, timeout, its node left) or is answered "not owner";</li>
 *   <li>the cluster re-forms after a split (everything).</li>
 * </ul>
 */
final class OwnerCache {
  static final String SIZE = "MAESTRO_SESSION_OWNER_CACHE_SIZE";
  static final int DEFAULT_SIZE = 10_000;

  private final int capacity;
  private final LinkedHashMap<String, String> owners;
  private NodeMembership membership;

  OwnerCache(int capacity) {
    this.capacity = capacity;
    this.owners = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > OwnerCache.this.capacity;
      }
    };
  }

  /** The configured size ({@value #SIZE}, default {@value #DEFAULT_SIZE}; 0 turns the cache off). */
  static int size(JsonObject config) {
    return Settings.of(config).integer(SIZE, DEFAULT_SIZE, 0, Integer.MAX_VALUE);
  }

  /** Drops the entries of a node as soon as Hazelcast reports it gone (no-op on a plain Vert.x). */
  OwnerCache start(Vertx vertx) {
    membership = NodeMembership.listen(vertx, (node, members) -> {
      if (node != null) dropNode(node);
    });
    return this;
  }

  void stop() {
    if (membership != null) membership.stop();
    clear();
  }

  /** The owner last seen for the session, or null. */
  synchronized String get(String sessionId) {
    return capacity == 0 ? null : owners.get(sessionId);
  }

  synchronized void put(String sessionId, String owner) {
    if (capacity > 0 && owner != null) owners.put(sessionId, owner);
  }

  /** Forgets the session's entry if it still names owner (another owner put meanwhile is newer). */
  synchronized void drop(String sessionId, String owner) {
    owners.remove(sessionId, owner);
  }

  /** Forgets the session's entry whoever it names. */
  synchronized void drop(String sessionId) {
    owners.remove(sessionId);
  }

  /** Forgets the entry unless it names owner: an announcement of a new owner. */
  synchronized void ownerIs(String sessionId, String owner) {
    String cached = owners.get(sessionId);
    if (cached != null && !cached.equals(owner)) owners.remove(sessionId);
  }

  /** Forgets every entry naming a router of node (owner ids are {@code <node>/<router>}). */
  synchronized void dropNode(String node) {
    String prefix = node + "/";
    owners.values().removeIf(o -> o.startsWith(prefix));
  }

  synchronized void clear() {
    owners.clear();
  }

  synchronized int size() {
    return owners.size();
  }
}
