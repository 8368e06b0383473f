package dev.maestro.gateway;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A page that shows a one-shot message takes it out of the web session; the browser's next form must
 * still work. The session used to be stored only after the page had gone out, so a quick next request
 * read the session with the message still in it and its own redirect failed to store ("Session version
 * mismatch", a 500) — seen as a flaky ProjectApiTest.
 */
class WebFlashSessionTest {
  static GatewayFixture fx;
  static JsonObject member;

  @BeforeAll
  static void start() throws Exception {
    fx = new GatewayFixture();
    member = fx.newUser(fx.adminToken(), "member");
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  @Test
  void theFormAfterAPageThatShowedAMessageIsStored() {
    String[] b = fx.browser(member);
    for (int i = 0; i < 30; i++) {
      // an amount that is not a number: the form answers with a message and a redirect, before any gateway call
      int status = fx.form(b, "/usage/budget", "userId", member.getString("id"), "monthlyUsd", "lots");
      assertThat(status).as("form %d", i).isEqualTo(303);
      String html = fx.page(b[0], "/usage");
      assertThat(html).as("page %d shows the message", i).contains("The monthly budget must be a number of dollars");
    }
    assertThat(fx.page(b[0], "/usage")).as("the message is shown once")
        .doesNotContain("The monthly budget must be a number of dollars");
  }
}
