package dev.maestro.bench;

import dev.maestro.bench.chaos.ChaosLoad;
import dev.maestro.bench.gateway.GatewayEndToEndBench;
import dev.maestro.bench.gateway.GatewayStreamBench;
import dev.maestro.bench.provider.ProviderBench;
import dev.maestro.bench.provider.SseDecodeBench;
import dev.maestro.bench.session.SessionBench;
import dev.maestro.bench.session.SessionsMemoryBench;

import java.util.Arrays;

/** {@code java -jar bench-fat.jar <provider|sse-decode|session|sessions-memory|gateway|e2e> [args]}: runs one benchmark. */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    String which = args.length == 0 ? "" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (which) {
      case "provider" -> ProviderBench.main(rest);
      case "sse-decode" -> SseDecodeBench.main(rest); // the decode path alone: SSE parser + adapter decoder per delta
      case "session" -> SessionBench.main(rest);
      case "sessions-memory" -> SessionsMemoryBench.main(rest);
      case "gateway" -> GatewayStreamBench.main(rest);
      case "e2e", "gateway-e2e" -> GatewayEndToEndBench.main(rest); // "e2e": issue 14's name; the old one kept
      case "chaos" -> ChaosLoad.main(rest); // the load driver of ./deploy/maestro chaos (deploy/chaos.sh)
      default -> {
        System.err.println("usage: bench <provider|sse-decode|session|sessions-memory|gateway|e2e|chaos> [args]  (see bench/README.md)");
        System.exit(2);
      }
    }
  }
}
