package dev.maestro.contracts;

import dev.maestro.contracts.events.IntegrationEvents;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BUS.md cannot drift from contracts: every public address constant of {@link Addresses} is named on
 * it (by its Java name and its value), every address function by its Java name and its fixed prefix,
 * and every lifecycle event type with each of its data fields.
 */
class BusDocumentationTest {
  static String busMd() throws Exception {
    Path doc = Path.of("").toAbsolutePath().getParent().resolve("BUS.md");
    assertTrue(Files.exists(doc), "BUS.md at the repository root: " + doc);
    return Files.readString(doc);
  }

  @Test
  void everyAddressOfAddressesIsDocumented() throws Exception {
    String doc = busMd();
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (Field f : Addresses.class.getDeclaredFields()) {
      if (!Modifier.isPublic(f.getModifiers()) || !Modifier.isStatic(f.getModifiers()) || f.getType() != String.class) continue;
      checked++;
      String value = (String) f.get(null);
      if (!doc.contains("`Addresses." + f.getName() + "`")) missing.add("Addresses." + f.getName());
      if (!doc.contains("`" + value + "`")) missing.add(f.getName() + " = " + value);
    }
    for (Method m : Addresses.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(m.getModifiers()) || !Modifier.isStatic(m.getModifiers()) || m.getReturnType() != String.class) continue;
      checked++;
      if (!doc.contains("`Addresses." + m.getName() + "(")) missing.add("Addresses." + m.getName() + "(…)");
      Object[] args = new Object[m.getParameterCount()];
      java.util.Arrays.fill(args, "\u0000");
      String rendered = (String) m.invoke(null, args);
      String prefix = rendered.substring(0, rendered.indexOf('\u0000'));
      if (!doc.contains("`" + prefix)) missing.add(m.getName() + " → " + prefix + "…");
    }
    assertTrue(checked >= 15, "checked only " + checked + " addresses");
    assertEquals(List.of(), missing, "addresses of contracts Addresses that BUS.md does not name");
  }

  @Test
  void everyLifecycleEventTypeAndFieldIsDocumented() throws Exception {
    String doc = busMd();
    List<String> missing = new ArrayList<>();
    IntegrationEvents.DATA.forEach((type, fields) -> {
      if (!doc.contains("`" + type + "`")) missing.add(type);
      for (String f : fields) if (!doc.contains("\"" + f + "\"")) missing.add(type + "." + f);
    });
    for (String f : IntegrationEvents.ENVELOPE) if (!doc.contains("\"" + f + "\"")) missing.add("envelope." + f);
    for (String f : IntegrationEvents.USAGE) if (!doc.contains("\"" + f + "\"")) missing.add("usage." + f);
    assertEquals(List.of(), missing, "what BUS.md does not document");
  }
}
