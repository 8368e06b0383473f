package dev.maestro.tool.mcp;

import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.tool.exec.CallContext;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers the {@code inputRequests} of an input-required result (SEP-2322, multi round-trip requests of the
 * 2026-07-28 revision: the server answers a tools/call with {@code resultType: "input_required"} and the
 * client calls again with {@code inputResponses} keyed like the requests). What we announce is what we
 * answer: {@code elicitation/create} (form mode) goes to the person behind the call through the same path
 * as a 2025 server's elicitation (one question at a time), {@code roots/list} gets the calling session's
 * root. Anything else ({@code sampling/createMessage}, which Maestro does not offer) fails the call.
 */
final class InputRequests {
  /** Rounds of one call, and requests of one round, beyond which the server is refused (a loop, or abuse). */
  static final int MAX_ROUNDS = 10;
  static final int MAX_REQUESTS = 10;

  /** A request Maestro does not answer: the call ends with this message. */
  static final class Unanswerable extends RuntimeException {
    Unanswerable(String message) {
      super(message, null, false, false);
    }
  }

  private final String server;
  private final ElicitationBridge elicitation;
  private final McpRootsOffer roots;

  InputRequests(String server, ElicitationBridge elicitation, McpRootsOffer roots) {
    this.server = server;
    this.elicitation = elicitation;
    this.roots = roots;
  }

  /** The capabilities this answers, as announced in every request's _meta. */
  static Map<String, Object> capabilities() {
    return Map.of("elicitation", Map.of("form", Map.of()), "roots", Map.of());
  }

  /** {key: response} for every request, asked one after the other; fails with {@link Unanswerable}. */
  Future<Map<String, Object>> answer(CallContext call, Object inputRequests) {
    if (!(inputRequests instanceof Map<?, ?> requests) || requests.isEmpty()) {
      return Future.failedFuture(new Unanswerable("asked for input without saying what (no inputRequests)"));
    }
    if (requests.size() > MAX_REQUESTS) {
      return Future.failedFuture(new Unanswerable("asked for " + requests.size() + " inputs at once (at most " + MAX_REQUESTS + ")"));
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<?, ?> e : requests.entrySet()) {
      String key = String.valueOf(e.getKey());
      chain = chain.compose(v -> one(call, e.getValue()).map(r -> {
        responses.put(key, r);
        return null;
      }));
    }
    return chain.map(v -> responses);
  }

  private Future<Object> one(CallContext call, Object request) {
    Map<?, ?> req = request instanceof Map<?, ?> m ? m : Map.of();
    String method = String.valueOf(req.get("method"));
    Map<?, ?> params = req.get("params") instanceof Map<?, ?> p ? p : Map.of();
    return switch (method) {
      case "elicitation/create" -> elicit(call, params);
      case "roots/list" -> Future.succeededFuture(Map.of("roots", rootsOf(call)));
      default -> Future.failedFuture(new Unanswerable("asked for " + McpCatalog.cut(method, 100)
          + ", which Maestro does not offer"));
    };
  }

  private Future<Object> elicit(CallContext call, Map<?, ?> params) {
    if (params.get("mode") != null && !"form".equals(params.get("mode"))) {
      // only form mode is announced; a URL elicitation is not opened for the user
      return Future.succeededFuture(Map.of("action", ElicitationForm.CANCEL));
    }
    String message = params.get("message") instanceof String s ? s : "";
    JsonObject schema = params.get("requestedSchema") instanceof Map<?, ?> m ? new JsonObject(copy(m)) : new JsonObject().put("type", "object");
    return elicitation.ask(call, server, message, schema).map(answer -> {
      McpSchema.ElicitResult r = ElicitationBridge.result(answer);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("action", r.action().name().toLowerCase(java.util.Locale.ROOT));
      if (r.content() != null) out.put("content", r.content());
      return out;
    });
  }

  /** The calling session's root when the server offers it one, else every root offered. */
  private List<Object> rootsOf(CallContext call) {
    List<McpSchema.Root> offered = roots.of(call.sessionId());
    List<Object> out = new ArrayList<>();
    for (McpSchema.Root r : offered.isEmpty() ? roots.current() : offered) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("uri", r.uri());
      if (r.name() != null) root.put("name", r.name());
      out.add(root);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> copy(Map<?, ?> m) {
    return (Map<String, Object>) new JsonObject((Map<String, Object>) m).copy().getMap();
  }
}
