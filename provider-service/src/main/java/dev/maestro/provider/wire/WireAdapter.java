package dev.maestro.provider.wire;

import dev.maestro.contracts.provider.ChatRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** One provider wire format: how to ask, how to read the stream, errors and model lists. */
public interface WireAdapter {
  /** Short name for logs and breakers ("anthropic", "openai-chat", "openai-responses", "gemini"). */
  String name();

  UpstreamRequest streamRequest(ChatRequest request, Credential credential, String baseUrl);

  StreamDecoder decoder(EventSink sink);

  /** Reads a non-2xx answer (status, headers, body in the provider's error shape). */
  UpstreamError parseError(int status, MultiMap headers, Buffer body);

  UpstreamRequest modelsRequest(Credential credential, String baseUrl);

  /** → [{id, provider, displayName, contextWindow?}]. */
  List<JsonObject> parseModels(String provider, JsonObject body);
}
