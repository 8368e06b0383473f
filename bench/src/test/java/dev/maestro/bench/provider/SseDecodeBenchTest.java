package dev.maestro.bench.provider;

import dev.maestro.provider.wire.AnthropicAdapter;
import dev.maestro.provider.wire.GeminiAdapter;
import dev.maestro.provider.wire.OpenAiChatAdapter;
import dev.maestro.provider.wire.OpenAiResponsesAdapter;
import dev.maestro.provider.wire.WireAdapter;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark measures like with like: every path decodes each wire's body to the same texts, usage and stop. */
class SseDecodeBenchTest {

  @Test
  void everyPathDecodesEveryBodyAlike() {
    Object[][] wires = {{new AnthropicAdapter(), SseDecodeBench.anthropic(300)}, {new OpenAiChatAdapter(false), SseDecodeBench.chat(300)},
        {new OpenAiResponsesAdapter(), SseDecodeBench.responses(300)}, {new GeminiAdapter(), SseDecodeBench.gemini(300)}};
    for (Object[] w : wires) {
      List<Buffer> chunks = SseDecodeBench.cut(((String) w[1]).getBytes(StandardCharsets.UTF_8), new Random(14));
      Long hash = null;
      for (String path : SseDecodeBench.Paths.NAMES) {
        SseDecodeBench.Counting sink = new SseDecodeBench.Counting();
        SseDecodeBench.run(SseDecodeBench.Paths.of(path), (WireAdapter) w[0], chunks, sink);
        assertThat(sink.texts).as("%s %s", ((WireAdapter) w[0]).name(), path).isEqualTo(300);
        assertThat(sink.done).isTrue();
        if (hash == null) hash = sink.hash;
        assertThat(sink.hash).as("%s %s", ((WireAdapter) w[0]).name(), path).isEqualTo(hash);
      }
    }
  }

  @Test
  void deltasAreAboutFortyBytesWithNonAsciiText() {
    int total = 0;
    boolean nonAscii = false;
    for (int i = 0; i < 1000; i++) {
      byte[] d = SseDecodeBench.delta(i).getBytes(StandardCharsets.UTF_8);
      total += d.length;
      nonAscii |= d.length != SseDecodeBench.delta(i).length();
    }
    assertThat(total / 1000).isBetween(34, 48);
    assertThat(nonAscii).isTrue();
  }
}
