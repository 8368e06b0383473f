package dev.maestro.auth;

import dev.maestro.auth.crypto.KeyRing;
import dev.maestro.auth.crypto.MasterKey;
import dev.maestro.auth.crypto.SecretBox;
import dev.maestro.auth.crypto.SecretUnreadableException;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretBoxTest {
  final MasterKey key = MasterKey.generate();
  final SecretBox box = new SecretBox(KeyRing.of(key));

  @Test
  void roundTripsWithAFreshNonceEachTime() {
    byte[] a = box.encrypt("sk-secret", "ctx:1");
    byte[] b = box.encrypt("sk-secret", "ctx:1");
    assertThat(a).isNotEqualTo(b);
    assertThat(java.util.Arrays.copyOfRange(a, 9, 21)).isNotEqualTo(java.util.Arrays.copyOfRange(b, 9, 21));
    assertThat(box.decrypt(a, "ctx:1", "x")).isEqualTo("sk-secret");
    assertThat(SecretBox.keyIdOf(a)).isEqualTo(key.idHex());
  }

  @Test
  void aFlippedBitOrAnotherContextIsRefusedWithAClearMessage() {
    byte[] a = box.encrypt("sk-secret", "ctx:1");
    byte[] flipped = a.clone();
    flipped[flipped.length - 1] ^= 1;
    assertThatThrownBy(() -> box.decrypt(flipped, "ctx:1", "the API key of credential 1"))
        .isInstanceOf(SecretUnreadableException.class).hasMessageContaining("the API key of credential 1 failed its integrity check");
    assertThatThrownBy(() -> box.decrypt(a, "ctx:2", "value")).hasMessageContaining("integrity check");
    assertThatThrownBy(() -> box.decrypt(new byte[] {1, 2, 3}, "ctx:1", "value")).hasMessageContaining("not a valid encrypted value");
  }

  @Test
  void anotherKeyIsNamedNotGuessed() {
    byte[] a = new SecretBox(KeyRing.of(MasterKey.generate())).encrypt("x", "c");
    assertThatThrownBy(() -> box.decrypt(a, "c", "value")).hasMessageContaining("not loaded");
    SecretBox both = new SecretBox(new KeyRing(MasterKey.generate(), List.of(key)));
    assertThat(both.decrypt(box.encrypt("old", "c"), "c", "v")).isEqualTo("old");
  }

  @Test
  void masterKeysParseFromHexOrBase64AndErrorsNeverEchoTheInput() {
    byte[] raw = new byte[32];
    raw[0] = 7;
    MasterKey fromB64 = MasterKey.parse(Base64.getEncoder().encodeToString(raw), "K");
    MasterKey fromHex = MasterKey.parse(fromB64.toHex(), "K");
    assertThat(fromHex.idHex()).isEqualTo(fromB64.idHex());
    assertThatThrownBy(() -> MasterKey.parse("supersecretbutwrong", "MAESTRO_MASTER_KEY"))
        .hasMessageContaining("MAESTRO_MASTER_KEY must be 64 hex characters").hasMessageNotContaining("supersecretbutwrong");
    assertThat(fromHex.toString()).doesNotContain(fromHex.toHex());
  }

  @Test
  void masksShowOnlyAPrefixAndTheLastFour() {
    assertThat(Masking.mask("sk-proj-abcdefghijklmnop1234")).isEqualTo("sk-proj-…1234");
    assertThat(Masking.mask("sk-abcdefghijklmnopabcd")).isEqualTo("sk-…abcd");
    assertThat(Masking.mask("AIzaSyA-abcdefghijklmnopqrs")).isEqualTo("…pqrs");
    assertThat(Masking.mask("short")).isEqualTo("…");
  }
}
