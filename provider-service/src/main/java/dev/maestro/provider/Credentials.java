package dev.maestro.provider;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.provider.wire.Credential;
import io.vertx.core.Future;

/** Fetches usable credentials from auth-service per request; nothing is cached past one stream. */
public final class Credentials {
  private final AuthService auth;

  public Credentials(AuthService auth) {
    this.auth = auth;
  }

  public Future<Credential> resolve(String credentialId) {
    return auth.resolveSecret(credentialId).map(Credential::fromJson);
  }

  /** Forces one refresh after an upstream 401 on a bearer (OAuth) credential. */
  public Future<Credential> refresh(String credentialId) {
    return auth.refreshCredential(credentialId).map(Credential::fromJson);
  }
}
