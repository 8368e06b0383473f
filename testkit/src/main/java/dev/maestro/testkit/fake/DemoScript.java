package dev.maestro.testkit.fake;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake upstream's deterministic default behaviour, identical on every wire format (used when no
 * reply was queued). With T the last user text:
 * <ul>
 *   <li>last message holds tool results → {@code Tool NAME returned: <first 200 chars>}, one line per
 *       result, then a normal stop;</li>
 *   <li>T contains {@code fail with NNN} → HTTP status NNN with the provider's error body (429, 503 and
 *       529 carry {@code retry-after: 1}; Gemini puts it in {@code RetryInfo});</li>
 *   <li>T contains {@code call tool NAME with {JSON}} → a short text then that tool call (stop reason
 *       tool_use / tool_calls); {@code call tools A with {..} and B with {..}} → two calls;</li>
 *   <li>T contains {@code slow} → {@code Echo: T} then 39 more chunks, 40 chunks 150 ms apart;</li>
 *   <li>otherwise → {@code Echo: T} in at least 4 text deltas 25 ms apart;</li>
 *   <li>T contains {@code think} → a thinking block (signed on Anthropic) comes first.</li>
 * </ul>
 * Usage: input tokens = prompt characters / 4 (at least 1), output tokens = number of delta chunks.
 */
public final class DemoScript {
  private DemoScript() {}

  public static final long CHUNK_DELAY_MS = 25;
  public static final long SLOW_CHUNK_DELAY_MS = 150;
  public static final int SLOW_CHUNKS = 40;

  private static final Pattern FAIL = Pattern.compile("fail with (\\d{3})");
  private static final Pattern CALL = Pattern.compile("call tools? ", Pattern.CASE_INSENSITIVE);
  private static final Pattern NAME_WITH = Pattern.compile("\\s*([A-Za-z0-9_.\\-]+)\\s+with\\s+");
  private static final Pattern AND = Pattern.compile("\\s*(?:and|,)\\s*");

  public record ToolCall(String name, JsonObject arguments) {}

  public static FakeReply reply(Conversation conv) {
    FakeTurn turn = FakeTurn.create();
    long inputTokens = Math.max(1, conv.promptChars() / 4);
    if (conv.endsWithToolResults()) {
      List<String> lines = new ArrayList<>();
      for (Conversation.ToolResult r : conv.toolResults()) {
        String t = r.text();
        if (t.codePointCount(0, t.length()) > 200) t = t.substring(0, t.offsetByCodePoints(0, 200));
        lines.add("Tool " + r.name() + " returned: " + t);
      }
      turn.text(FakeTurn.split(String.join("\n", lines), 4).toArray(String[]::new));
      turn.usage(inputTokens, -1, 0, 0);
      return FakeReply.stream(turn).chunkDelayMs(CHUNK_DELAY_MS);
    }
    String t = conv.lastUserText() == null ? "" : conv.lastUserText();
    Matcher fail = FAIL.matcher(t);
    if (fail.find()) {
      int status = Integer.parseInt(fail.group(1));
      FakeReply r = FakeReply.error(status);
      if (status == 429 || status == 503 || status == 529) r.retryAfter("1");
      return r;
    }
    if (t.toLowerCase(Locale.ROOT).contains("think")) {
      String thought = "The user wrote \"" + abbreviate(t, 60) + "\". I will answer.";
      turn.thinking(signature(thought), FakeTurn.split(thought, 3).toArray(String[]::new));
    }
    List<ToolCall> calls = parseToolCalls(t);
    long delay = CHUNK_DELAY_MS;
    if (!calls.isEmpty()) {
      String names = String.join(" and ", calls.stream().map(ToolCall::name).toList());
      turn.text(FakeTurn.split("Calling " + names + ".", 2).toArray(String[]::new));
      for (ToolCall c : calls) turn.toolCall(c.name(), c.arguments());
    } else if (t.toLowerCase(Locale.ROOT).contains("slow")) {
      List<String> chunks = new ArrayList<>();
      chunks.add("Echo: " + t);
      for (int i = 1; i < SLOW_CHUNKS; i++) chunks.add(" " + i);
      turn.text(chunks.toArray(String[]::new));
      delay = SLOW_CHUNK_DELAY_MS;
    } else {
      turn.text(FakeTurn.split("Echo: " + t, Math.max(4, (t.length() + 6) / 8)).toArray(String[]::new));
    }
    turn.usage(inputTokens, -1, 0, 0);
    return FakeReply.stream(turn).chunkDelayMs(delay);
  }

  /** Parses {@code call tool NAME with {JSON}} / {@code call tools A with {..} and B with {..}}. */
  public static List<ToolCall> parseToolCalls(String t) {
    Matcher m = CALL.matcher(t);
    if (!m.find()) return List.of();
    List<ToolCall> calls = new ArrayList<>();
    int pos = m.end();
    while (pos < t.length()) {
      Matcher nw = NAME_WITH.matcher(t).region(pos, t.length());
      if (!nw.lookingAt()) break;
      int start = nw.end();
      if (start >= t.length() || t.charAt(start) != '{') break;
      int end = objectEnd(t, start);
      if (end < 0) break;
      try {
        calls.add(new ToolCall(nw.group(1), new JsonObject(t.substring(start, end))));
      } catch (DecodeException e) {
        break;
      }
      pos = end;
      Matcher and = AND.matcher(t).region(pos, t.length());
      if (!and.lookingAt()) break;
      pos = and.end();
    }
    return calls;
  }

  /** Index just past the JSON object starting at start (strings and escapes respected), or -1. */
  private static int objectEnd(String s, int start) {
    int depth = 0;
    boolean inString = false;
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') i++;
        else if (c == '"') inString = false;
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        if (--depth == 0) return i + 1;
      }
    }
    return -1;
  }

  static String signature(String text) {
    return "EqQBCkYIBxgCKkA" + Integer.toHexString(text.hashCode()) + "fakeSignature==";
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}
