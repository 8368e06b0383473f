package dev.maestro.testkit.fake;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * A provider-neutral scripted assistant turn: an ordered list of blocks (thinking, text, tool calls),
 * token usage and a stop reason. {@link WireRenderer}s turn it into each provider's exact SSE stream.
 * Text and thinking are given as the chunks that go out as separate deltas; tool-call arguments are
 * split into {@code argumentFragments} pieces on the formats that fragment them (Anthropic, OpenAI).
 */
public final class FakeTurn {
  /** Neutral stop reasons; renderers map them to each provider's own value. */
  public enum Stop { END_TURN, TOOL_USE, MAX_TOKENS }

  public sealed interface Block permits Thinking, Text, ToolCall {}

  public record Thinking(List<String> chunks, String signature) implements Block {}

  public record Text(List<String> chunks) implements Block {}

  public record ToolCall(String name, JsonObject arguments) implements Block {}

  final List<Block> blocks = new ArrayList<>();
  long inputTokens = 10;
  long outputTokens = -1;
  long cacheReadTokens;
  long cacheWriteTokens;
  Stop stop;
  int argumentFragments = 3;

  public static FakeTurn create() {
    return new FakeTurn();
  }

  public FakeTurn thinking(String signature, String... chunks) {
    blocks.add(new Thinking(List.of(chunks), signature));
    return this;
  }

  public FakeTurn text(String... chunks) {
    blocks.add(new Text(List.of(chunks)));
    return this;
  }

  public FakeTurn toolCall(String name, JsonObject arguments) {
    blocks.add(new ToolCall(name, arguments));
    return this;
  }

  public FakeTurn usage(long input, long output, long cacheRead, long cacheWrite) {
    this.inputTokens = input;
    this.outputTokens = output;
    this.cacheReadTokens = cacheRead;
    this.cacheWriteTokens = cacheWrite;
    return this;
  }

  public FakeTurn stop(Stop stop) {
    this.stop = stop;
    return this;
  }

  public FakeTurn argumentFragments(int n) {
    this.argumentFragments = Math.max(1, n);
    return this;
  }

  public List<Block> blocks() {
    return blocks;
  }

  public long inputTokens() { return inputTokens; }
  public long cacheReadTokens() { return cacheReadTokens; }
  public long cacheWriteTokens() { return cacheWriteTokens; }

  /** Output tokens: as scripted, else one per delta chunk. */
  public long outputTokens() {
    if (outputTokens >= 0) return outputTokens;
    long n = 0;
    for (Block b : blocks) {
      if (b instanceof Text t) n += t.chunks().size();
      else if (b instanceof Thinking t) n += t.chunks().size();
      else n += argumentFragments;
    }
    return Math.max(1, n);
  }

  /** The scripted stop reason, else TOOL_USE when the turn has tool calls and END_TURN otherwise. */
  public Stop stopReason() {
    if (stop != null) return stop;
    return blocks.stream().anyMatch(b -> b instanceof ToolCall) ? Stop.TOOL_USE : Stop.END_TURN;
  }

  /** Splits s into n nearly equal pieces on code-point boundaries (fewer when s is shorter). */
  public static List<String> split(String s, int n) {
    int[] cps = s.codePoints().toArray();
    List<String> out = new ArrayList<>();
    if (cps.length == 0) return List.of("");
    int parts = Math.max(1, Math.min(n, cps.length));
    for (int i = 0; i < parts; i++) {
      int from = (int) ((long) cps.length * i / parts);
      int to = (int) ((long) cps.length * (i + 1) / parts);
      out.add(new String(cps, from, to - from));
    }
    return out;
  }
}
