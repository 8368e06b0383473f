/**
 * In-memory stand-ins for Maestro's own services, registered on the event bus by tests (and the
 * benchmarks) that exercise another service without starting the real one: one implementation each,
 * shared by every module, instead of a copy per module.
 *
 * <ul>
 *   <li>{@link dev.maestro.testkit.services.FakeAuthService}: credentials, OAuth clients and flows;
 *       {@code likeTheRealService()} validates and masks, {@code leakingSecrets()} echoes secrets so a
 *       gateway test proves its own masking;</li>
 *   <li>{@link dev.maestro.testkit.services.FakeProviderService}: a model list and a key check
 *       (accept everything, or look the secret up and accept only good keys);</li>
 *   <li>{@link dev.maestro.testkit.services.FakeToolService}: a tool catalogue and MCP server list
 *       ({@code minimal()} without validation of its own, {@code demo()} to render);</li>
 *   <li>{@link dev.maestro.testkit.services.FakeSessionService}: sessions, events and templates
 *       ({@code demo()} scripts turns for the web UI, {@code recording()} echoes and records for the gateway).</li>
 * </ul>
 * Provider clouds are faked over real HTTP by {@link dev.maestro.testkit.fake.FakeUpstream} instead.
 */
package dev.maestro.testkit.services;
