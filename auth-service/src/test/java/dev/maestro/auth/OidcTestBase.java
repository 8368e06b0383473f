package dev.maestro.auth;

import dev.maestro.testkit.oidc.OidcServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Tests against one real oidc-provider per class, with long-lived access tokens: nothing becomes
 * due by itself while a test runs, so grant counts at the server are exact.
 */
abstract class OidcTestBase extends AuthTestBase {
  static OidcServer oidc;

  @BeforeAll
  static void startOidcServer() throws Exception {
    oidc = OidcServer.start(3600);
  }

  @AfterAll
  static void stopOidcServer() {
    if (oidc != null) oidc.close();
  }
}
