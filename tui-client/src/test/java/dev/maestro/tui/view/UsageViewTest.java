package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class UsageViewTest {
  private static JsonObject figures(long requests, double cost, long unpriced) {
    return new JsonObject().put("requests", requests).put("inputTokens", requests * 1000).put("outputTokens", requests * 10)
        .put("costUsd", cost).put("unpricedRequests", unpriced);
  }

  @Test
  void aModelTableWithTotalUnpricedNoteAndBudget() {
    JsonObject usage = new JsonObject().put("from", "2026-12-01").put("to", "2026-12-06").put("groupBy", "model")
        .put("items", new JsonArray()
            .add(figures(9, 0.90009, 0).put("provider", "anthropic").put("model", "claude-haiku-4-5"))
            .add(figures(2, 0, 2).put("provider", "openai-compatible").put("model", "local-llama")))
        .put("total", figures(11, 0.90009, 2))
        .put("budget", new JsonObject().put("monthlyUsd", 1.0).put("spentUsd", 0.90009).put("reservedUsd", 0.0)
            .put("remainingUsd", 0.09991).put("month", "2026-12"));
    String text = UsageView.render(usage);
    assertThat(text).startsWith("usage 2026-12-01 … 2026-12-06 by model");
    assertThat(text).containsPattern("anthropic/claude-haiku-4-5 +9 req +9,000 in +90 out +\\$0\\.9001");
    assertThat(text).containsPattern("openai-compatible/local-llama .*\\$0\\.0000  \\(no price\\)");
    assertThat(text).containsPattern("total +11 req");
    assertThat(text).contains("2 request(s) to models without a price are counted at $0");
    assertThat(text).endsWith("budget: $0.0999 of $1.0000 left in 2026-12 (spent $0.9001)");
  }

  @Test
  void noUsageAndNoBudget() {
    String text = UsageView.render(new JsonObject().put("from", "2026-12-01").put("to", "2026-12-06").put("groupBy", "day")
        .put("items", new JsonArray()).put("total", figures(0, 0, 0))
        .put("budget", new JsonObject().putNull("monthlyUsd").put("spentUsd", 0.0).put("month", "2026-12")));
    assertThat(text).contains("no usage in this range").endsWith("no monthly budget (spent $0.0000 in 2026-12)");
  }
}
