/**
 * The fake upstream: a Vert.x HTTP server speaking the providers' exact wire formats, used by tests,
 * benchmarks, browser/TUI tests and {@code deploy/maestro up --demo}.
 *
 * <p>{@link dev.maestro.testkit.fake.FakeUpstream} serves {@code POST /v1/messages} (Anthropic),
 * {@code POST /v1/chat/completions} (OpenAI and openai-compatible), {@code POST /v1/responses}
 * (OpenAI Responses), {@code POST /v1beta/models/{model}:streamGenerateContent?alt=sse} (Gemini) and
 * the model lists {@code GET /v1/models} (OpenAI shape; Anthropic's when {@code anthropic-version} is
 * sent) and {@code GET /v1beta/models}. Run it alone with
 * {@link dev.maestro.testkit.fake.FakeUpstreamMain} {@code --port N}.
 *
 * <h2>Deterministic demo script (the default answer, identical on every wire format)</h2>
 * With T the text of the last user message:
 * <ul>
 *   <li>plain T: streams {@code Echo: T} as at least 4 text deltas, 25 ms apart, then usage and a
 *       normal stop ({@code end_turn} / {@code stop} / {@code completed} / {@code STOP});</li>
 *   <li>{@code call tool NAME with {JSON}}: streams {@code Calling NAME.} then one tool call NAME with
 *       that JSON object as arguments (fragmented across chunks on the Anthropic and OpenAI formats;
 *       whole on Gemini), stop reason {@code tool_use} / {@code tool_calls};
 *       {@code call tools A with {..} and B with {..}}: two calls in one response
 *       ({@code Calling A and B.});</li>
 *   <li>last message holds tool results: {@code Tool NAME returned: <first 200 chars of the result>},
 *       one line per result, then a normal stop;</li>
 *   <li>T contains {@code think}: a thinking block first ({@code The user wrote "T". I will answer.},
 *       with a signature on Anthropic, {@code reasoning_content} on Chat Completions, a reasoning
 *       summary on Responses, {@code thought:true} parts on Gemini);</li>
 *   <li>T contains {@code slow}: {@code Echo: T} then chunks {@code " 1"} … {@code " 39"}: 40 chunks
 *       150 ms apart (cancel tests);</li>
 *   <li>T contains {@code fail with NNN}: HTTP status NNN with the provider's exact error body
 *       (429/503/529 also carry {@code retry-after: 1}; Gemini puts the delay in
 *       {@code google.rpc.RetryInfo});</li>
 *   <li>any API key is accepted except one starting with {@code bad} (and a missing one): 401 in the
 *       provider's error shape.</li>
 * </ul>
 * Usage figures: input tokens = prompt characters / 4 (at least 1), output tokens = number of delta
 * chunks. Tool-call ids are unique per server ({@code toolu_fake_N}, {@code call_fake_N}).
 *
 * <h2>Per-test scripting</h2>
 * {@link dev.maestro.testkit.fake.FakeUpstream#enqueue} a {@link dev.maestro.testkit.fake.FakeReply}:
 * a {@link dev.maestro.testkit.fake.FakeTurn} (thinking, text chunks, tool calls, usage, stop reason)
 * with pacing, a mid-stream provider error, a cut connection, a stall, delayed headers or 1-byte
 * network writes; or an HTTP error with any status, message, type and headers. Queued replies answer
 * the next generation requests in order, whatever their wire format; the key check happens first.
 * {@link dev.maestro.testkit.fake.FakeUpstream#requests()} records what arrived, with a future that
 * completes when each request's TCP connection closes.
 */
package dev.maestro.testkit.fake;
