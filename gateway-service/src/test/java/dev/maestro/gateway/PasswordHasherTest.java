package dev.maestro.gateway;

import dev.maestro.gateway.auth.PasswordHasher;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordHasherTest {
  static final Vertx VERTX = Vertx.vertx();

  @AfterAll
  static void close() {
    VERTX.close().await();
  }

  @Test
  void hashesAreArgon2idWithTheOwaspParametersAndVerify() {
    PasswordHasher hasher = new PasswordHasher(VERTX);
    String hash = hasher.hash("correct horse").await();
    assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    assertThat(hasher.verify("correct horse", hash).await()).isTrue();
    assertThat(hasher.verify("correct horsE", hash).await()).isFalse();
    assertThat(hasher.hash("correct horse").await()).isNotEqualTo(hash);
  }

  @Test
  void hashesKeepTheirOwnParametersSoTuningLaterStillVerifiesOldOnes() {
    String cheap = new PasswordHasher(VERTX, 1024, 1, 1).hash("pw").await();
    assertThat(new PasswordHasher(VERTX).verify("pw", cheap).await()).isTrue();
  }

  @Test
  void malformedStoredHashesNeverVerify() {
    PasswordHasher hasher = new PasswordHasher(VERTX, 1024, 1, 1);
    for (String bad : new String[] {"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1024,t=1,p=1$!!$!!"}) {
      assertThat(hasher.verify("pw", bad).await()).as(bad).isFalse();
    }
  }
}
