package dev.maestro.gateway;

import dev.maestro.gateway.api.Problems;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Maestro's OAuth Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document, MCP
 * SEP-991). An MCP authorization server that supports these takes the document's URL as Maestro's
 * client_id and fetches it to learn the client's name and redirect URIs, so Maestro needs no
 * registration there. auth-service uses the same URL (MaestroConfig#oauthClientMetadataUrl) as
 * client_id; the document must name itself, or the server rejects it.
 */
final class ClientMetadataDocument {
  static final String PATH = "/oauth/client-metadata.json";

  private final JsonObject document;

  /** @param url the document's own URL, or null when none is configured (then it answers 404) */
  ClientMetadataDocument(String url, String callbackUrl) {
    this.document = url == null ? null : new JsonObject()
        .put("client_id", url)
        .put("client_name", "Maestro")
        .put("redirect_uris", new JsonArray().add(callbackUrl))
        .put("grant_types", new JsonArray().add("authorization_code").add("refresh_token"))
        .put("response_types", new JsonArray().add("code"))
        // A public client: a metadata-document client has no secret to authenticate with.
        .put("token_endpoint_auth_method", "none");
  }

  void handle(RoutingContext rc) {
    if (document == null) {
      Problems.send(rc, 404, "no OAuth client metadata document is configured: set MAESTRO_OAUTH_CLIENT_METADATA_URL"
          + " or an https MAESTRO_PUBLIC_URL");
      return;
    }
    rc.response().putHeader("Content-Type", "application/json")
        // Authorization servers may cache it; a short lifetime lets a changed public URL take effect soon.
        .putHeader("Cache-Control", "public, max-age=300")
        .end(document.encode());
  }
}
