package dev.maestro.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values PostgreSQL refuses (a NUL in a label) reached the real auth-service and came back as a 503
 * naming the driver's exception class. They now fail with the platform policy: a generic message
 * with a ref, nothing internal.
 */
class FailurePolicyTest extends AuthTestBase {

  @Test
  void aNulThatPostgresRefusesIsAnsweredWithTheGenericPolicy() throws Exception {
    Instance i = start();
    // an OAuth callback's state is looked up in PostgreSQL as it came from the browser
    ServiceException e = failure(i.auth().completeOAuth("alice", "state\u0000", "code"));
    assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("java.").doesNotContain("io.vertx").doesNotContain("Pg");
    assertThat(e.failureCode()).isEqualTo(500);
    assertThat(e.getMessage()).matches("internal error, see the service log \\(ref [0-9a-f]{8}\\)");
  }
}
