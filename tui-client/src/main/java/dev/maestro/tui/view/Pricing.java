package dev.maestro.tui.view;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Estimated cost from token counts with public list prices (USD per million tokens, input/output),
 * matched by model-name prefix. Unknown models have no estimate rather than a wrong one.
 */
public final class Pricing {
  private static final Map<String, double[]> PRICES = new LinkedHashMap<>();

  static {
    PRICES.put("claude-opus-4", new double[] {15, 75});
    PRICES.put("claude-sonnet-4", new double[] {3, 15});
    PRICES.put("claude-3-5-sonnet", new double[] {3, 15});
    PRICES.put("claude-3-7-sonnet", new double[] {3, 15});
    PRICES.put("claude-haiku-4", new double[] {1, 5});
    PRICES.put("claude-3-5-haiku", new double[] {0.8, 4});
    PRICES.put("gpt-4o-mini", new double[] {0.15, 0.6});
    PRICES.put("gpt-4o", new double[] {2.5, 10});
    PRICES.put("gpt-4.1-mini", new double[] {0.4, 1.6});
    PRICES.put("gpt-4.1", new double[] {2, 8});
    PRICES.put("o3-mini", new double[] {1.1, 4.4});
    PRICES.put("gemini-2.5-pro", new double[] {1.25, 10});
    PRICES.put("gemini-2.5-flash", new double[] {0.3, 2.5});
  }

  private Pricing() {}

  /** The estimate in USD, or null for an unknown model. */
  public static Double estimate(String model, long inputTokens, long outputTokens) {
    if (model == null) {
      return null;
    }
    String m = model.toLowerCase(Locale.ROOT);
    for (Map.Entry<String, double[]> e : PRICES.entrySet()) {
      if (m.startsWith(e.getKey())) {
        return (inputTokens * e.getValue()[0] + outputTokens * e.getValue()[1]) / 1_000_000d;
      }
    }
    return null;
  }

  public static String format(Double usd) {
    return usd == null ? "$—" : String.format(Locale.ROOT, "$%.4f", usd);
  }
}
