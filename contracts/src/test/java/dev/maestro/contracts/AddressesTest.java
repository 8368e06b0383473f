package dev.maestro.contracts;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Addresses says it holds every bus address: no main code of any module writes one elsewhere. */
class AddressesTest {
  private static final Pattern LITERAL = Pattern.compile("\"(maestro\\.[^\"]*)\"");
  /** "maestro." literals that are not bus addresses: a logger prefix, the export format, web-ui session keys, a system property. */
  private static final Set<String> NOT_ADDRESSES = Set.of("maestro.", "maestro.session.v1",
      "maestro.webui.sessionHandler", "maestro.webui.principal", "maestro.root");

  @Test
  void noMainCodeOutsideAddressesWritesAMaestroAddressLiteral() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> found = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> modules = Files.list(root)) {
      for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
        try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
          for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
            scanned++;
            if (f.endsWith(Path.of("dev/maestro/contracts/Addresses.java"))) continue;
            // Micrometer metric names ("maestro.turns.started"), not bus addresses
            if (f.endsWith(Path.of("dev/maestro/platform/MetricNames.java"))) continue;
            Matcher m = LITERAL.matcher(Files.readString(f));
            while (m.find()) {
              if (!NOT_ADDRESSES.contains(m.group(1))) found.add(root.relativize(f) + ": \"" + m.group(1) + "\"");
            }
          }
        }
      }
    }
    assertTrue(scanned > 100, "scanned only " + scanned + " files from " + root);
    assertEquals(List.of(), found, "bus address literals outside contracts Addresses");
  }

  @Test
  void perSessionAddressesAreDistinct() {
    Set<String> all = Set.of(Addresses.sessionEvents("s"), Addresses.sessionCommand("s"),
        Addresses.sessionProviderStream("s", "o"), Addresses.sessionRouter("o"), Addresses.PROVIDER_CANCEL,
        Addresses.GATEWAY_REVOKED, Addresses.SESSION_SERVICE);
    assertEquals(7, all.size());
  }
}
