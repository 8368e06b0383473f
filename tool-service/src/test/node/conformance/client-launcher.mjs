// The client command McpConformanceTest gives the conformance runner (unless -Dmaestro.conformance.fork=true):
// node client-launcher.mjs <ConformanceClientHost url> <fixture url>. Instead of a JVM per scenario it has the
// test's JVM run ConformanceClient once with these arguments and the runner's scenario environment, then
// prints that run's lines on stderr and exits with its exit code, as the spawned JVM did.
const [host, ...args] = process.argv.slice(2);
const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (k.startsWith('MCP_CONFORMANCE_') || k === 'MAESTRO_CONFORMANCE_SLOT') env[k] = v;
}
try {
  const res = await fetch(host, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ args, env }),
  });
  const out = await res.json();
  process.stderr.write(out.log);
  process.exitCode = out.code;
} catch (e) {
  console.error(`conformance client launcher: ${e}`);
  process.exitCode = 1;
}
