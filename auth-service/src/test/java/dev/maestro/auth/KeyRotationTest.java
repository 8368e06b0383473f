package dev.maestro.auth;

import dev.maestro.auth.crypto.KeyRing;
import dev.maestro.auth.crypto.MasterKey;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** rotate-key re-encrypts every secret; everything stays usable under the new key, nothing under the old. */
class KeyRotationTest extends OidcTestBase {

  @Test
  void rotationKeepsEveryCredentialUsable() throws Exception {
    MasterKey oldKey = MasterKey.parse(config.getString(MaestroConfig.MASTER_KEY), "test");
    Instance before = start();
    JsonObject key = await(before.auth().createCredential("alice", CredentialsTest.apiKey("anthropic", CredentialsTest.KEY)));
    String clientId = await(before.auth().createOAuthClient(oauthClientFor(oidc))).getString("id");
    JsonObject oauth = signIn(before.auth(), "alice", clientId, "rotation-account");
    stop(before);

    MasterKey newKey = MasterKey.generate();
    int n = await(KeyRotation.rotate(db(), KeyRing.of(oldKey), newKey));
    assertThat(n).as("api key + access token + refresh token + client secret + 1 PKCE verifier").isEqualTo(5);
    assertThat(sql("SELECT DISTINCT key_id FROM credential")).singleElement()
        .satisfies(r -> assertThat(r.getString("key_id")).isEqualTo(newKey.idHex()));

    Instance after = start(config.copy().put(MaestroConfig.MASTER_KEY, newKey.toHex()));
    assertThat(await(after.auth().resolveSecret(key.getString("id"))).getString("secret")).isEqualTo(CredentialsTest.KEY);
    // The refresh token and the client secret were re-encrypted too: a refresh works.
    JsonObject refreshed = await(after.auth().refreshCredential(oauth.getString("id")));
    assertThat(oidc.userinfo(refreshed.getString("secret")).statusCode()).isEqualTo(200);
    stop(after);

    Instance stale = start();   // still configured with the old key
    ServiceException e = failure(stale.auth().resolveSecret(key.getString("id")));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.CONFLICT);
    assertThat(e.getMessage()).contains("master key " + newKey.idHex()).contains("not loaded");
  }

  @Test
  void aMalformedMasterKeyStopsTheStartWithAClearMessage() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(config.copy().put(MaestroConfig.MASTER_KEY, "not-a-key")))
        .hasMessageContaining("MAESTRO_MASTER_KEY must be 64 hex characters or the base64 of 32 bytes")
        .hasMessageNotContaining("not-a-key");
  }

  @Test
  void rotateKeyCommandReplacesTheKeyFile() throws Exception {
    // Key-file mode: no MAESTRO_MASTER_KEY; the first start creates master.key with mode 0600.
    JsonObject fileMode = config.copy();
    fileMode.remove(MaestroConfig.MASTER_KEY);
    Path keyFile = Path.of(fileMode.getString(MaestroConfig.DATA_DIR)).resolve("master.key");
    Instance first = start(fileMode);
    assertThat(Files.exists(keyFile)).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    String before = Files.readString(keyFile);
    JsonObject key = await(first.auth().createCredential("alice", CredentialsTest.apiKey("anthropic", CredentialsTest.KEY)));
    stop(first);

    MaestroConfig cfg = MaestroConfig.of(fileMode).with(MaestroConfig.MASTER_KEY, "");
    String out = RotateKeyMain.run(cfg);
    assertThat(out).contains("re-encrypted 1 secret(s)");
    assertThat(Files.readString(keyFile)).isNotEqualTo(before);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    assertThat(Files.exists(keyFile.resolveSibling("master.key.next"))).isFalse();

    Instance second = start(fileMode);
    assertThat(await(second.auth().resolveSecret(key.getString("id"))).getString("secret")).isEqualTo(CredentialsTest.KEY);
  }
}
