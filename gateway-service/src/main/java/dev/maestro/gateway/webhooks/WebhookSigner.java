package dev.maestro.gateway.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The webhook signature of BUS.md: {@code X-Maestro-Signature: sha256=<hex HMAC-SHA256(secret,
 * timestamp + "." + body)>} with {@code X-Maestro-Timestamp: <unix seconds>}. Signing the timestamp
 * with the body lets a receiver refuse replays of an old delivery (it checks the timestamp is recent
 * and remembers X-Maestro-Delivery ids it has seen).
 */
public final class WebhookSigner {
  private WebhookSigner() {}

  public static final String SIGNATURE = "X-Maestro-Signature";
  public static final String TIMESTAMP = "X-Maestro-Timestamp";
  public static final String EVENT = "X-Maestro-Event";
  public static final String DELIVERY = "X-Maestro-Delivery";

  public static String sign(String secret, long timestampSeconds, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** What a receiver does (and the tests do): recompute, compare in constant time, refuse stale timestamps. */
  public static boolean verify(String secret, String timestampHeader, String body, String signatureHeader, long nowSeconds,
                               long toleranceSeconds) {
    if (timestampHeader == null || signatureHeader == null) return false;
    long ts;
    try {
      ts = Long.parseLong(timestampHeader);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
    return java.security.MessageDigest.isEqual(sign(secret, ts, body).getBytes(StandardCharsets.UTF_8),
        signatureHeader.getBytes(StandardCharsets.UTF_8));
  }
}
