package dev.maestro.testkit.fake;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/**
 * Runs the {@link FakeUpstream} standalone: {@code java -cp testkit.jar:... 
 * dev.maestro.testkit.fake.FakeUpstreamMain --port 8089 [--host 127.0.0.1]} (port 0 = random; the
 * chosen port is printed as {@code FAKE_UPSTREAM_PORT=N}). Used by {@code deploy/maestro up --demo},
 * browser and TUI tests.
 */
public final class FakeUpstreamMain {
  private FakeUpstreamMain() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    String host = "127.0.0.1";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--host" -> host = args[++i];
        default -> {
          System.err.println("usage: FakeUpstreamMain [--port N] [--host H]");
          System.exit(2);
        }
      }
    }
    Vertx vertx = Vertx.vertx();
    FakeUpstream fake = FakeUpstream.start(vertx, host, port).await(20, TimeUnit.SECONDS);
    fake.recording(false);
    System.out.println("FAKE_UPSTREAM_PORT=" + fake.port());
    System.out.println("Fake upstream listening on http://" + host + ":" + fake.port()
        + " (anthropic/gemini base URL; openai-compatible: http://" + host + ":" + fake.port() + "/v1)");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close()));
  }
}
