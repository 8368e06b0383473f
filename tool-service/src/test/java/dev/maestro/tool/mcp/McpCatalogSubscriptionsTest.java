package dev.maestro.tool.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * McpCatalog's resource subscriptions against a scripted peer: a read subscribes once (only when the server
 * advertises resources.subscribe), an update replaces the cached copy with the content read again (no new
 * resources/read), the least recently read subscription beyond the bound is ended with resources/unsubscribe,
 * and so is one whose resource left the list.
 */
class McpCatalogSubscriptionsTest {
  static Vertx vertx;
  static Context context;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A server with these resources (uri → text), recording what it is asked. */
  static class Peer implements McpPeer {
    final boolean subscribe;
    final Map<String, String> texts = new ConcurrentHashMap<>();
    final List<String> subscribed = new CopyOnWriteArrayList<>();
    final List<String> unsubscribed = new CopyOnWriteArrayList<>();
    final List<String> reads = new CopyOnWriteArrayList<>();

    Peer(boolean subscribe) {
      this.subscribe = subscribe;
    }

    @Override public McpSchema.ServerCapabilities capabilities() {
      return McpSchema.ServerCapabilities.builder().resources(subscribe, true).build();
    }
    @Override public Mono<McpSchema.ListToolsResult> listTools(String cursor) { return Mono.error(new UnsupportedOperationException()); }
    @Override public Mono<McpSchema.ListResourcesResult> listResources(String cursor) {
      List<McpSchema.Resource> list = texts.keySet().stream().sorted()
          .map(u -> McpSchema.Resource.builder().uri(u).name(u).build()).toList();
      return Mono.just(new McpSchema.ListResourcesResult(list, null));
    }
    @Override public Mono<Void> subscribeResource(String uri) {
      subscribed.add(uri);
      return Mono.empty();
    }
    @Override public Mono<Void> unsubscribeResource(String uri) {
      unsubscribed.add(uri);
      return Mono.empty();
    }
    @Override public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
      reads.add(uri);
      return Mono.just(new McpSchema.ReadResourceResult(List.of(content(uri, texts.get(uri)))));
    }
    @Override public Mono<McpSchema.ListPromptsResult> listPrompts(String cursor) { return Mono.error(new UnsupportedOperationException()); }
    @Override public Mono<McpSchema.GetPromptResult> getPrompt(McpSchema.GetPromptRequest r) { return Mono.error(new UnsupportedOperationException()); }
  }

  static McpSchema.TextResourceContents content(String uri, String text) {
    return new McpSchema.TextResourceContents(uri, "text/plain", text);
  }

  static McpCatalog catalog(int max) {
    return new McpCatalog(context, new McpSettings(60_000, 1000, 1000, 5, dev.maestro.platform.net.OutboundPolicy.of(""), max),
        new McpResults(McpJsonDefaults.getMapper()));
  }

  /** Runs on the catalog's context (it is touched there only) and waits. */
  static <T> T on(Supplier<Future<T>> op) throws Exception {
    CompletableFuture<T> out = new CompletableFuture<>();
    context.runOnContext(v -> op.get().onComplete(ar -> {
      if (ar.succeeded()) out.complete(ar.result());
      else out.completeExceptionally(ar.cause());
    }));
    return out.get(10, TimeUnit.SECONDS);
  }

  @Test
  void anUpdateReplacesTheCachedCopyWithTheContentReadAgain() throws Exception {
    McpCatalog catalog = catalog(10);
    Peer peer = new Peer(true);
    peer.texts.put("doc://a", "v1");
    assertThat(on(() -> catalog.read(peer, "doc://a")).getString("text")).isEqualTo("v1");
    assertThat(on(() -> catalog.read(peer, "doc://a")).getString("text")).isEqualTo("v1");
    assertThat(peer.subscribed).containsExactly("doc://a");
    assertThat(peer.reads).as("the second read is the cached copy").hasSize(1);

    JsonObject fresh = on(() -> Future.succeededFuture(catalog.resourceUpdated("doc://a", List.of(content("doc://a", "v2")))));
    assertThat(fresh.getString("text")).isEqualTo("v2");
    assertThat(on(() -> catalog.read(peer, "doc://a")).getString("text")).isEqualTo("v2");
    assertThat(peer.reads).as("the update brought the content: no read of our own").hasSize(1);

    // the SDK's re-read failed (no contents): the stale copy is dropped, the next read asks the server
    peer.texts.put("doc://a", "v3");
    on(() -> Future.succeededFuture(catalog.resourceUpdated("doc://a", null)));
    assertThat(on(() -> catalog.read(peer, "doc://a")).getString("text")).isEqualTo("v3");
    assertThat(peer.subscribed).as("still subscribed: not again").containsExactly("doc://a");
  }

  @Test
  void theLeastRecentlyReadSubscriptionBeyondTheBoundIsEnded() throws Exception {
    McpCatalog catalog = catalog(2);
    Peer peer = new Peer(true);
    for (String u : List.of("doc://a", "doc://b", "doc://c")) peer.texts.put(u, u);
    on(() -> catalog.read(peer, "doc://a"));
    on(() -> catalog.read(peer, "doc://b"));
    on(() -> catalog.read(peer, "doc://a"));   // a is the most recently read now
    on(() -> catalog.read(peer, "doc://c"));
    assertThat(peer.unsubscribed).containsExactly("doc://b");
    assertThat(on(() -> Future.succeededFuture(catalog.subscriptions()))).containsExactly("doc://a", "doc://c");
    // b is no longer kept fresh: an update for it is not cached
    assertThat(on(() -> Future.succeededFuture(catalog.resourceUpdated("doc://b", List.of(content("doc://b", "x")))))).isNull();
  }

  @Test
  void aResourceThatLeavesTheListIsUnsubscribed() throws Exception {
    McpCatalog catalog = catalog(10);
    Peer peer = new Peer(true);
    peer.texts.put("doc://a", "a");
    peer.texts.put("doc://b", "b");
    on(() -> catalog.resources(peer));
    on(() -> catalog.read(peer, "doc://a"));
    on(() -> catalog.read(peer, "doc://b"));
    peer.texts.remove("doc://a");
    context.runOnContext(v -> catalog.resourcesChanged());
    assertThat(on(() -> catalog.resources(peer))).extracting(j -> j.getString("uri")).containsExactly("doc://b");
    assertThat(peer.unsubscribed).containsExactly("doc://a");
    assertThat(on(() -> Future.succeededFuture(catalog.subscriptions()))).containsExactly("doc://b");
  }

  @Test
  void aReadThatFailsEndsTheSubscriptionItStarted() throws Exception {
    McpCatalog catalog = catalog(10);
    Peer peer = new Peer(true) {
      @Override public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
        return Mono.error(new io.modelcontextprotocol.spec.McpError(new McpSchema.JSONRPCResponse.JSONRPCError(-32002, "Resource not found", null)));
      }
    };
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> on(() -> catalog.read(peer, "doc://gone"))).hasMessageContaining("Resource not found");
    assertThat(peer.subscribed).containsExactly("doc://gone");
    assertThat(peer.unsubscribed).containsExactly("doc://gone");
    assertThat(on(() -> Future.succeededFuture(catalog.subscriptions()))).isEmpty();
  }

  @Test
  void aServerWithoutSubscriptionsIsReadEveryTime() throws Exception {
    McpCatalog catalog = catalog(10);
    Peer peer = new Peer(false);
    peer.texts.put("doc://a", "a");
    on(() -> catalog.read(peer, "doc://a"));
    on(() -> catalog.read(peer, "doc://a"));
    assertThat(peer.subscribed).isEmpty();
    assertThat(peer.reads).hasSize(2);
  }
}
