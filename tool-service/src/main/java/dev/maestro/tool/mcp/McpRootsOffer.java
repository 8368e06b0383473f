package dev.maestro.tool.mcp;

import io.modelcontextprotocol.spec.McpSchema;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The roots one server connection offers: the roots of the sessions that have used the server (called one of
 * its tools, read a resource, got a prompt), the most recent {@link #MAX} of them. A connection is shared by
 * every session, so this is the set the server may work in; each change is one list_changed for the server.
 */
final class McpRootsOffer {
  static final int MAX = 20;

  /** What changed, for the live client: a root to add, a URI to remove. */
  record Change(McpSchema.Root added, String removed) { }

  private final LinkedHashMap<String, McpSchema.Root> bySession = new LinkedHashMap<>(16, 0.75f, true);

  /** The session uses the server now: its root joins (or is moved to the front); the changes to send. */
  synchronized List<Change> use(String sessionId, Path root) {
    if (root == null) return List.of();
    McpSchema.Root wanted = root(sessionId, root);
    McpSchema.Root had = bySession.get(sessionId);
    if (had != null && had.uri().equals(wanted.uri())) return List.of();
    List<Change> changes = new ArrayList<>();
    bySession.put(sessionId, wanted);
    if (had != null && !stillOffered(had.uri())) changes.add(new Change(null, had.uri()));
    changes.add(new Change(wanted, null));
    Iterator<Map.Entry<String, McpSchema.Root>> it = bySession.entrySet().iterator();
    while (bySession.size() > MAX && it.hasNext()) {
      McpSchema.Root oldest = it.next().getValue();
      it.remove();
      if (!stillOffered(oldest.uri())) changes.add(new Change(null, oldest.uri()));
    }
    return changes;
  }

  /** A session's root moved: only when the server already offers it for that session. */
  synchronized List<Change> moved(String sessionId, Path root) {
    if (!bySession.containsKey(sessionId)) return List.of();
    return use(sessionId, root);
  }

  /** The root offered for this session (empty when none is). */
  synchronized List<McpSchema.Root> of(String sessionId) {
    McpSchema.Root r = sessionId == null ? null : bySession.get(sessionId);
    return r == null ? List.of() : List.of(r);
  }

  synchronized List<McpSchema.Root> current() {
    List<McpSchema.Root> out = new ArrayList<>();
    for (McpSchema.Root r : bySession.values()) {
      if (out.stream().noneMatch(x -> x.uri().equals(r.uri()))) out.add(r);
    }
    return out;
  }

  private boolean stillOffered(String uri) {
    return bySession.values().stream().anyMatch(r -> r.uri().equals(uri));
  }

  private static McpSchema.Root root(String sessionId, Path path) {
    // Path.toUri() would stat the path (to add a '/' for directories): built by hand, nothing touches the disk
    try {
      // "file://" + path: roots must be file:// URIs (servers validate the prefix)
      String encoded = new java.net.URI(null, null, path.toString(), null).getRawPath();
      return new McpSchema.Root("file://" + encoded, "session " + sessionId);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a usable root: " + path, e);
    }
  }
}
