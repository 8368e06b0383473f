package dev.maestro.gateway.webhooks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The signature of BUS.md, against a vector computed with Python's hmac (the verification BUS.md shows). */
class WebhookSignerTest {
  static final String BODY = "{\"type\":\"turn.completed\"}";

  @Test
  void signsTimestampDotBodyAsBusMdSays() {
    assertThat(WebhookSigner.sign("whsec_test", 1_700_000_000L, BODY))
        .isEqualTo("sha256=a0cfc54e74a18e69add49a5744d8aa2352dce1ffbba7772d426bf53ceccd1a39");
  }

  @Test
  void verificationRefusesTamperingOtherSecretsAndStaleTimestamps() {
    String sig = WebhookSigner.sign("whsec_test", 1_700_000_000L, BODY);
    assertThat(WebhookSigner.verify("whsec_test", "1700000000", BODY, sig, 1_700_000_100L, 300)).isTrue();
    assertThat(WebhookSigner.verify("whsec_test", "1700000000", BODY + " ", sig, 1_700_000_100L, 300)).isFalse();
    assertThat(WebhookSigner.verify("whsec_other", "1700000000", BODY, sig, 1_700_000_100L, 300)).isFalse();
    assertThat(WebhookSigner.verify("whsec_test", "1700000001", BODY, sig, 1_700_000_100L, 300)).isFalse();
    assertThat(WebhookSigner.verify("whsec_test", "1700000000", BODY, sig, 1_700_000_400L, 300)).as("replayed late").isFalse();
    assertThat(WebhookSigner.verify("whsec_test", "soon", BODY, sig, 1_700_000_100L, 300)).isFalse();
    assertThat(WebhookSigner.verify("whsec_test", null, BODY, sig, 1_700_000_100L, 300)).isFalse();
  }

  @Test
  void backoffDoublesUpToTheMaximum() {
    WebhookSettings s = new WebhookSettings(1000, 5000, 60_000, 15, 10_000, 168);
    assertThat(s.backoffAfter(1)).isEqualTo(5000);
    assertThat(s.backoffAfter(2)).isEqualTo(10_000);
    assertThat(s.backoffAfter(4)).isEqualTo(40_000);
    assertThat(s.backoffAfter(5)).isEqualTo(60_000);
    assertThat(s.backoffAfter(200)).isEqualTo(60_000);
  }
}
