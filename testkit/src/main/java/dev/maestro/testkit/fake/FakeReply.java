package dev.maestro.testkit.fake;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scripted answer of the {@link FakeUpstream}: either an SSE stream of a {@link FakeTurn} (with
 * pacing, a mid-stream error, a cut connection, tiny network writes) or an HTTP error in the
 * provider's exact error body shape. Queue it with {@link FakeUpstream#enqueue(FakeReply)}.
 */
public final class FakeReply {
  final FakeTurn turn;
  final int status;
  String errorMessage;
  String errorType;
  final Map<String, String> headers = new LinkedHashMap<>();
  long chunkDelayMs;
  int cutAfterEvents = -1;
  int fragmentBytes;
  String midStreamError;
  int midStreamErrorAfterEvents = -1;
  long headersDelayMs;
  boolean stampTextChunks;
  java.util.function.LongSupplier stampClock = System::nanoTime;
  int stallAfterEvents = -1;
  long stallMs;

  private FakeReply(FakeTurn turn, int status) {
    this.turn = turn;
    this.status = status;
  }

  /** A 200 SSE stream of the turn. */
  public static FakeReply stream(FakeTurn turn) {
    return new FakeReply(turn, 200);
  }

  /** An HTTP error status with the provider's error body (type/status derived from the code). */
  public static FakeReply error(int status) {
    return new FakeReply(null, status);
  }

  /** Overrides the error message (e.g. a context-length message for a 400). */
  public FakeReply message(String message) {
    this.errorMessage = message;
    return this;
  }

  /** Overrides the provider error type/code (Anthropic error.type, OpenAI error.code, Gemini status). */
  public FakeReply errorType(String type) {
    this.errorType = type;
    return this;
  }

  public FakeReply header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public FakeReply retryAfter(String value) {
    return header("retry-after", value);
  }

  /** Pause between SSE events. */
  public FakeReply chunkDelayMs(long ms) {
    this.chunkDelayMs = ms;
    return this;
  }

  /** Waits before sending the response headers (first-byte timeout tests). */
  public FakeReply headersDelayMs(long ms) {
    this.headersDelayMs = ms;
    return this;
  }

  /** Closes the TCP connection after n SSE events: a stream cut mid-way. */
  public FakeReply cutAfterEvents(int n) {
    this.cutAfterEvents = n;
    return this;
  }

  /** Writes every event in pieces of n bytes (splitting UTF-8 sequences across network writes). */
  public FakeReply fragmentBytes(int n) {
    this.fragmentBytes = n;
    return this;
  }

  /**
   * After n events, sends the provider's in-stream error (Anthropic {@code event: error}, OpenAI
   * {@code data: {"error":..}}, Responses {@code response.failed}, Gemini {@code data: {"error":..}})
   * of the given HTTP-equivalent kind ("overloaded", "rate_limited", "server_error") and ends.
   */
  public FakeReply midStreamError(int afterEvents, String kind) {
    this.midStreamErrorAfterEvents = afterEvents;
    this.midStreamError = kind;
    return this;
  }

  /** After n events, waits ms before the next one (idle-timeout tests). */
  public FakeReply stallAfterEvents(int n, long ms) {
    this.stallAfterEvents = n;
    this.stallMs = ms;
    return this;
  }

  /**
   * Replaces the text of every text chunk, at write time, with {@code System.nanoTime()} of that
   * write, so a same-JVM benchmark can measure write → normalized event latency.
   */
  public FakeReply stampTextChunks() {
    this.stampTextChunks = true;
    return this;
  }

  /**
   * As {@link #stampTextChunks()}, with the stamp read from the given clock at write time (e.g.
   * epoch microseconds, comparable across processes on one host).
   */
  public FakeReply stampTextChunks(java.util.function.LongSupplier clock) {
    this.stampTextChunks = true;
    this.stampClock = clock;
    return this;
  }

  public boolean isError() {
    return turn == null;
  }

  public int status() {
    return status;
  }

  public FakeTurn turn() {
    return turn;
  }
}
