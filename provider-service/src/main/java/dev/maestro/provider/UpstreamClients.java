package dev.maestro.provider;

import dev.maestro.contracts.provider.Providers;
import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundPolicy;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One named HTTP client pool per provider (its own connection limit and connect timeout), and one
 * circuit breaker per provider endpoint (provider + base URL origin), so one dead local server
 * does not fail another.
 */
public final class UpstreamClients {
  private final Vertx vertx;
  private final ProviderSettings settings;
  private final OutboundHttp outbound;
  private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
  private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

  /** @param policy which base URLs may be reached (MAESTRO_ALLOWED_PRIVATE_HOSTS) */
  public UpstreamClients(Vertx vertx, ProviderSettings settings, OutboundPolicy policy) {
    this.vertx = vertx;
    this.settings = settings;
    this.outbound = new OutboundHttp(vertx, policy);
  }

  /** Checks base URLs at request time and pins each request to the address it checked. */
  public OutboundHttp outbound() {
    return outbound;
  }

  public HttpClient client(String provider) {
    return clients.computeIfAbsent(Providers.ALL.contains(provider) ? provider : "other", name -> vertx.httpClientBuilder()
        .with(new HttpClientOptions().setName("maestro-" + name).setConnectTimeout(settings.connectTimeoutMs())
            .setKeepAlive(true).setTcpNoDelay(true).setVerifyHost(true))
        .with(new PoolOptions().setHttp1MaxSize(settings.poolSize()).setMaxWaitQueueSize(settings.poolSize() * 4))
        .build());
  }

  public CircuitBreaker breaker(String provider, String baseUrl) {
    String key = provider + "|" + origin(baseUrl);
    return breakers.computeIfAbsent(key, k -> CircuitBreaker.create("provider:" + k, vertx, new CircuitBreakerOptions()
        .setMaxFailures(settings.breakerMaxFailures())
        .setResetTimeout(settings.breakerResetMs())
        .setTimeout(-1)           // timeouts are ours (connect / first byte / idle)
        .setMaxRetries(0)));      // retries are ours too (they honour Retry-After)
  }

  static String origin(String baseUrl) {
    try {
      URI u = URI.create(baseUrl);
      return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
    } catch (RuntimeException e) {
      return baseUrl;
    }
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    breakers.values().forEach(CircuitBreaker::close);
    return Future.join(closing).mapEmpty();
  }
}
