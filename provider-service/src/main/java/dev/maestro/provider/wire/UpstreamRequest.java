package dev.maestro.provider.wire;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/** An HTTP call to a provider. Headers hold the credential: never log them. */
public record UpstreamRequest(HttpMethod method, String url, MultiMap headers, Buffer body) {
  @Override
  public String toString() {
    return method + " " + url;
  }
}
