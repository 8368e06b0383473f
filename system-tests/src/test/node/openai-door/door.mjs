// Drives Maestro's /v1 door with the official openai client; prints one JSON object with what it saw.
// Usage: node door.mjs <baseURL> <token> <plainModel> <templateModel>
import OpenAI from 'openai';

const [baseURL, apiKey, plainModel, templateModel] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const out = {};

async function attempt(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = { error: true, status: e.status ?? null, type: e.type ?? e.error?.type ?? null, code: e.code ?? null,
      message: e.message, className: e.constructor?.name };
  }
}

await attempt('models', async () => (await client.models.list()).data.map((m) => m.id));
await attempt('plain', async () => {
  const r = await client.chat.completions.create({ model: plainModel, messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer' },
    { role: 'user', content: 'hello door' }] });
  return { object: r.object, content: r.choices[0].message.content, finish: r.choices[0].finish_reason, usage: r.usage };
});
await attempt('stream', async () => {
  const s = await client.chat.completions.create({ model: plainModel, stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hello stream' }] });
  let content = '';
  let chunks = 0;
  let finish = null;
  let usage = null;
  for await (const c of s) {
    chunks++;
    if (c.object !== 'chat.completion.chunk') throw new Error('not a chunk: ' + JSON.stringify(c));
    if (c.usage) usage = c.usage;
    if (c.choices.length > 0) {
      content += c.choices[0].delta?.content ?? '';
      if (c.choices[0].finish_reason) finish = c.choices[0].finish_reason;
    }
  }
  return { content, chunks, finish, usage };
});
await attempt('template', async () => {
  const r = await client.chat.completions.create({ model: templateModel, messages: [
    { role: 'user', content: 'call tool write_file with {"path":"door.txt","content":"x"}' }] });
  return { content: r.choices[0].message.content, finish: r.choices[0].finish_reason };
});
await attempt('unknownModel', async () => client.chat.completions.create({ model: 'template:no-such-template',
  messages: [{ role: 'user', content: 'x' }] }));
await attempt('badKey', async () => new OpenAI({ baseURL, apiKey: 'mst_not-a-token', maxRetries: 0 }).models.list());
console.log(JSON.stringify(out));
