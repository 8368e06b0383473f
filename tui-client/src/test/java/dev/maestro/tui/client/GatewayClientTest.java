package dev.maestro.tui.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maestro.tui.fake.FakeGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class GatewayClientTest {
  private FakeGateway fake;
  private String url;
  private GatewayClient api;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    fake = new FakeGateway(vertx, "t0k");
    int port = fake.start(0).await(10, TimeUnit.SECONDS);
    url = "http://127.0.0.1:" + port;
    api = new GatewayClient(vertx, url, "t0k");
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.await(10, TimeUnit.SECONDS);
  }

  @Test
  void createsListsRenamesAndDeletesSessions() throws Exception {
    JsonObject created = await(api.createSession(new JsonObject().put("provider", "anthropic").put("model", "m1")
        .put("title", "alpha")));
    String id = created.getString("id");
    assertThat(await(api.listSessions(null))).extracting(s -> s.getString("id")).containsExactly(id);
    await(api.patchSession(id, new JsonObject().put("title", "beta")));
    assertThat(await(api.getSession(id)).getString("title")).isEqualTo("beta");
    assertThat(await(api.listSessions("bet"))).hasSize(1);
    assertThat(await(api.listSessions("zzz"))).isEmpty();
    await(api.deleteSession(id));
    assertThat(await(api.listSessions(null))).isEmpty();
  }

  @Test
  void problemsBecomeOneLineErrorsWithStatus() throws Exception {
    assertThatThrownBy(() -> await(api.getSession("nope")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("HTTP 404 Not Found: no session nope");
    assertThatThrownBy(() -> await(api.createSession(new JsonObject().put("provider", "anthropic"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("(model: is required)");
  }

  @Test
  void badTokenIs401(Vertx vertx) {
    GatewayClient wrong = new GatewayClient(vertx, url, "wrong");
    assertThatThrownBy(() -> await(wrong.listSessions(null)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void unreachableGatewayIsStatusZero(Vertx vertx) {
    GatewayClient nowhere = new GatewayClient(vertx, "http://127.0.0.1:1", "t");
    assertThatThrownBy(() -> await(nowhere.listSessions(null)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isZero())
        .hasMessageContaining("cannot reach the gateway");
  }

  @Test
  void mintsATokenWithPassword(Vertx vertx) throws Exception {
    GatewayClient anon = new GatewayClient(vertx, url, "");
    String token = await(anon.mintToken(FakeGateway.USERNAME, FakeGateway.PASSWORD, "tui"));
    assertThat(await(new GatewayClient(vertx, url, token).listSessions(null))).isEmpty();
    assertThatThrownBy(() -> await(anon.mintToken(FakeGateway.USERNAME, "bad", "tui")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void listsToolsTemplatesModelsAndExports() throws Exception {
    List<JsonObject> tools = await(api.listTools());
    assertThat(tools).extracting(t -> t.getString("name") + ":" + t.getString("policy"))
        .contains("read_file:allow", "write_file:ask");
    assertThat(await(api.listTemplates())).extracting(t -> t.getString("name")).containsExactly("reviewer");
    assertThat(await(api.listModels("anthropic"))).isNotEmpty();
    String id = await(api.createSession(new JsonObject().put("provider", "p").put("model", "m").put("title", "exp")))
        .getString("id");
    assertThat(await(api.export(id, "markdown")).toString()).startsWith("# exp");
  }
}
