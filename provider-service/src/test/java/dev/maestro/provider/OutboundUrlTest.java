package dev.maestro.provider;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.provider.support.Harness;
import dev.maestro.provider.support.StreamHandle;
import dev.maestro.testkit.HostileUrls;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SSRF at request time: a credential's base URL is checked when the stream or model list runs
 * (whatever auth-service let in earlier), on the address actually connected to; foreign error bodies
 * are never echoed. The service here may reach loopback only through the name {@code localhost}.
 */
class OutboundUrlTest {
  static Harness h;

  @BeforeAll
  static void setUp() throws Exception {
    h = Harness.start(new JsonObject().put(OutboundPolicy.ENV, "localhost:*").put(ProviderSettings.MAX_RETRIES, "0"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    h.close();
  }

  private static List<String> hostile() {
    List<String> all = new ArrayList<>(HostileUrls.METADATA);
    HostileUrls.INTERNAL.stream().filter(u -> !u.contains("localhost")).forEach(all::add);
    return all;
  }

  private static String credential(String baseUrl) {
    String id = UUID.randomUUID().toString();
    h.auth.put(id, "openai-compatible", baseUrl, "k", "api_key");
    return id;
  }

  @Test
  void everyHostileBaseUrlIsRefusedWhenAStreamStarts() throws Exception {
    List<String> hostile = hostile();
    for (String url : hostile) {
      StreamHandle s = h.stream(Harness.request("openai-compatible", credential(url), "gpt-4o", "hi"));
      s.awaitEnd();
      assertThat(s.last().getString("type")).as(url).isEqualTo("error");
      assertThat(s.last().getString("code")).as(url).isEqualTo(ProviderEvents.BAD_REQUEST);
      assertThat(s.last().getString("message")).as(url).startsWith("base URL ")
          .containsAnyOf("never allowed", "ask an admin", "http or https", "user info");
    }
    assertThat(hostile).hasSizeGreaterThanOrEqualTo(35);
  }

  @Test
  void everyHostileBaseUrlIsRefusedForTheModelList() {
    for (String url : hostile()) {
      assertThatThrownBy(() -> h.service.listModels("openai-compatible", credential(url)).await(10, TimeUnit.SECONDS))
          .as(url).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
            assertThat(e.getMessage()).startsWith("base URL ");
          });
    }
  }

  @Test
  void aListedNameStillWorksAndTheRequestGoesToTheCheckedAddress() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = credential("http://localhost:" + fake.port() + "/v1");
    StreamHandle s = h.stream(Harness.request("openai-compatible", cred, "gpt-4o", "hello"));
    s.awaitEnd();
    assertThat(s.last().getString("type")).isEqualTo("done");
    assertThat(h.service.listModels("openai-compatible", cred).await(10, TimeUnit.SECONDS)).isNotEmpty();
    // the same server by address is not listed
    StreamHandle refused = h.stream(Harness.request("openai-compatible", credential(fake.openAiBaseUrl()), "gpt-4o", "hello"));
    refused.awaitEnd();
    assertThat(refused.last().getString("message")).contains("ask an admin to add 127.0.0.1:" + fake.port());
    fake.close().await(5, TimeUnit.SECONDS);
  }

  /** DNS rebinding: names are resolved by the policy, and the connection goes to the address it checked. */
  @Test
  void namesAreJudgedByWhatTheyResolveToAndTheConnectionUsesThatAddress() throws Exception {
    FakeUpstream fake = h.fake();
    OutboundPolicy policy = OutboundPolicy.of("127.0.0.1:" + fake.port()).withResolver(resolving(Map.of(
        "evil.test", "169.254.169.254", "evil-loop.test", "127.0.0.1", "models.test", "127.0.0.1")));
    ProviderSettings settings = ProviderSettings.from(new JsonObject().put(ProviderSettings.MAX_RETRIES, "0"));
    UpstreamClients clients = new UpstreamClients(h.vertx, settings, policy);
    ProviderServiceImpl impl = new ProviderServiceImpl(h.vertx, settings, new Credentials(AuthService.createProxy(h.vertx)), clients);

    StreamHandle meta = h.stream(impl, Harness.request("openai-compatible", credential("http://evil.test/v1"), "gpt-4o", "x"));
    meta.awaitEnd();
    assertThat(meta.last().getString("message")).contains("link-local/metadata").contains("169.254.169.254, from evil.test");
    StreamHandle loop = h.stream(impl, Harness.request("openai-compatible", credential("http://evil-loop.test:9/v1"), "gpt-4o", "x"));
    loop.awaitEnd();
    assertThat(loop.last().getString("message")).contains("loopback").contains("127.0.0.1:9");

    // "models.test" exists nowhere but in the policy's resolver: reaching the fake proves the request
    // went to the checked address, and the Host header still names the URL's host
    String cred = credential("http://models.test:" + fake.port() + "/v1");
    StreamHandle ok = h.stream(impl, Harness.request("openai-compatible", cred, "gpt-4o", "hello"));
    ok.awaitEnd();
    assertThat(ok.last().getString("type")).isEqualTo("done");
    assertThat(fake.lastRequest().header("host")).isEqualTo("models.test:" + fake.port());
    assertThat(impl.listModels("openai-compatible", cred).await(10, TimeUnit.SECONDS)).isNotEmpty();
    clients.close().await(5, TimeUnit.SECONDS);
    fake.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void aNameThatDoesNotResolveIsAnUnreachableEndpointNotARefusal() throws Exception {
    String cred = credential("http://nowhere.invalid/v1");
    StreamHandle s = h.stream(Harness.request("openai-compatible", cred, "gpt-4o", "x"));
    s.awaitEnd();
    assertThat(s.last().getString("code")).isEqualTo(ProviderEvents.UPSTREAM_UNAVAILABLE);
    assertThatThrownBy(() -> h.service.listModels("openai-compatible", cred).await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(ErrorCodes.UPSTREAM));
  }

  @Test
  void foreignErrorBodiesAreNeverEchoed() throws Exception {
    String page = "<html>internal admin console: db password hunter2</html>";
    HttpServer server = h.vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(404)
        .putHeader("content-type", "text/html").end(page)).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    String cred = credential("http://localhost:" + server.actualPort() + "/v1");
    assertThatThrownBy(() -> h.service.listModels("openai-compatible", cred).await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.getMessage())
            .doesNotContain("hunter2").doesNotContain("html")
            .contains("the server at http://localhost:" + server.actualPort() + " answered 404"));
    JsonObject validated = h.service.validateCredential(cred).await(10, TimeUnit.SECONDS);
    assertThat(validated.getString("message")).doesNotContain("hunter2").contains("answered 404");
    StreamHandle s = h.stream(Harness.request("openai-compatible", cred, "gpt-4o", "x"));
    s.awaitEnd();
    assertThat(s.last().getString("message")).doesNotContain("hunter2").contains("answered 404");
    server.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void aProvidersJsonErrorMessageIsKeptButCleanedAndCapped() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = credential("http://localhost:" + fake.port() + "/v1");
    fake.enqueue(FakeReply.error(400).message("bad model\u001b[31m\r\nInjected: line " + "x".repeat(1000)));
    StreamHandle s = h.stream(Harness.request("openai-compatible", cred, "gpt-4o", "x"));
    s.awaitEnd();
    String m = s.last().getString("message");
    assertThat(m).contains("bad model").doesNotContain("\u001b").doesNotContain("\n").hasSizeLessThan(360);
    fake.close().await(5, TimeUnit.SECONDS);
  }

  private static OutboundPolicy.Resolver resolving(Map<String, String> table) {
    return host -> {
      String ip = table.get(host);
      if (ip == null) throw new UnknownHostException(host);
      return new InetAddress[] {InetAddress.getByName(ip)};
    };
  }
}
