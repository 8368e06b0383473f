package dev.maestro.tui;

import dev.maestro.tui.app.TuiApp;
import dev.maestro.tui.cli.CliArgs;
import dev.maestro.tui.cli.ClientSettings;
import dev.maestro.tui.client.ApiException;
import dev.maestro.tui.client.GatewayClient;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Entry point. Exit codes: 0 done, 1 the turn failed (turn_error, cancelled, approval refused),
 * 2 bad usage or no token, 3 the gateway could not be reached or answered with an HTTP problem.
 */
public final class TuiMain {
  public static final int OK = 0;
  public static final int TURN_FAILED = 1;
  public static final int USAGE = 2;
  public static final int GATEWAY = 3;

  private TuiMain() {}

  public static void main(String[] argv) {
    // vert.x logs through JUL; nothing may be printed over the screen or into send's stdout
    System.setProperty("vertx.disableDnsResolver", "true");
    java.util.logging.LogManager.getLogManager().reset();
    System.exit(run(argv));
  }

  static int run(String[] argv) {
    CliArgs args;
    try {
      args = CliArgs.parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("tui: " + e.getMessage());
      System.err.println(CliArgs.USAGE);
      return USAGE;
    }
    if (args.help()) {
      System.out.println(CliArgs.USAGE);
      return OK;
    }
    ClientSettings settings = ClientSettings.resolve(args, System.getenv());
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2)
        .setBlockedThreadCheckInterval(60_000));
    try {
      if (settings.token() == null) {
        if ("send".equals(args.mode())) {
          System.err.println("tui: no API token (use --token, MAESTRO_TOKEN, or run tui once interactively to log in)");
          return USAGE;
        }
        settings = login(vertx, settings);
        if (settings == null) {
          return GATEWAY;
        }
      }
      GatewayClient api = new GatewayClient(vertx, settings.url(), settings.token());
      if ("send".equals(args.mode())) {
        return send(vertx, api, settings, args);
      }
      return new TuiApp(vertx, api, settings, args.session()).run();
    } catch (IOException e) {
      System.err.println("tui: " + e.getMessage());
      return GATEWAY;
    } finally {
      vertx.close();
    }
  }

  private static int send(Vertx vertx, GatewayClient api, ClientSettings settings, CliArgs args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Promise<Void> done = Promise.promise();
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> ProjectSession.orExisting(api, args.session(), args.project(), args.model())
        .compose(sessionId -> new SendMode(vertx, api, settings.url(), settings.token(), out)
            .run(sessionId, args.text(), args.approve(), args.timeoutSeconds()))
        .onComplete(done));
    try {
      done.future().await(args.timeoutSeconds() + 30L, TimeUnit.SECONDS);
      return OK;
    } catch (Exception e) {
      Throwable cause = e;
      String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      System.err.println("tui: " + message.replace('\n', ' '));
      return cause instanceof ApiException ? GATEWAY : TURN_FAILED;
    }
  }

  /** Asks for a username and password, mints a token and saves it (mode 0600). */
  private static ClientSettings login(Vertx vertx, ClientSettings settings) throws IOException {
    Console console = System.console();
    String user;
    String password;
    System.out.println("No API token for " + settings.url() + "; log in to create one.");
    if (console != null) {
      user = console.readLine("username: ");
      char[] pw = console.readPassword("password: ");
      password = pw == null ? null : new String(pw);
    } else {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      System.out.print("username: ");
      System.out.flush();
      user = in.readLine();
      System.out.print("password: ");
      System.out.flush();
      password = in.readLine();
    }
    if (user == null || password == null) {
      System.err.println("tui: no credentials given");
      return null;
    }
    GatewayClient anon = new GatewayClient(vertx, settings.url(), "");
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    try {
      String token = anon.mintToken(user.strip(), password, "tui@" + host).await(30, TimeUnit.SECONDS);
      ClientSettings withToken = settings.withToken(token);
      withToken.save(token);
      System.out.println("Token saved to " + settings.configFile());
      return withToken;
    } catch (Exception e) {
      System.err.println("tui: login failed: " + e.getMessage());
      return null;
    } finally {
      anon.close();
    }
  }
}
