// Streams from the Maestro fake upstream with the official SDKs and prints what they parsed as JSON.
// Usage: node check.mjs <port>. The JUnit test (SdkCheckTest) queues the scripted replies in the
// order the calls below are made, then compares this output with the script.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';

const port = process.argv[2];
const base = `http://127.0.0.1:${port}`;
const out = {};

const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: base, maxRetries: 0 });
const genai = new GoogleGenAI({ apiKey: 'g-test', httpOptions: { baseUrl: base } });

const tools = [{ name: 'get_weather', description: 'Weather', schema: { type: 'object', properties: { city: { type: 'string' } } } }];

async function chat(prompt) {
  const stream = openai.chat.completions.stream({
    model: 'gpt-4o', messages: [{ role: 'user', content: prompt }], stream_options: { include_usage: true },
    tools: tools.map(t => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.schema } })),
  });
  let deltas = 0;
  stream.on('content', () => deltas++);
  const final = await stream.finalChatCompletion();
  const msg = final.choices[0].message;
  return {
    text: msg.content ?? '', deltas,
    toolCalls: (msg.tool_calls ?? []).map(c => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) })),
    usage: { input: final.usage.prompt_tokens, output: final.usage.completion_tokens },
    stop: final.choices[0].finish_reason,
  };
}

async function responses(prompt) {
  const stream = openai.responses.stream({
    model: 'gpt-4o', input: prompt,
    tools: tools.map(t => ({ type: 'function', name: t.name, description: t.description, parameters: t.schema, strict: false })),
  });
  let deltas = 0;
  stream.on('response.output_text.delta', () => deltas++);
  const final = await stream.finalResponse();
  const calls = final.output.filter(i => i.type === 'function_call');
  const thinking = final.output.filter(i => i.type === 'reasoning').flatMap(i => i.summary.map(s => s.text)).join('');
  return {
    text: final.output.filter(i => i.type === 'message').flatMap(i => i.content).filter(c => c.type === 'output_text').map(c => c.text).join(''),
    deltas, thinking,
    toolCalls: calls.map(c => ({ id: c.call_id, name: c.name, args: JSON.parse(c.arguments) })),
    usage: { input: final.usage.input_tokens, output: final.usage.output_tokens },
    stop: final.status,
  };
}

async function messages(prompt) {
  const stream = anthropic.messages.stream({
    model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: prompt }],
    tools: tools.map(t => ({ name: t.name, description: t.description, input_schema: t.schema })),
  });
  let deltas = 0;
  stream.on('text', () => deltas++);
  const final = await stream.finalMessage();
  return {
    text: final.content.filter(b => b.type === 'text').map(b => b.text).join(''), deltas,
    thinking: final.content.filter(b => b.type === 'thinking').map(b => b.thinking).join(''),
    signature: final.content.filter(b => b.type === 'thinking').map(b => b.signature).join(''),
    toolCalls: final.content.filter(b => b.type === 'tool_use').map(b => ({ id: b.id, name: b.name, args: b.input })),
    usage: { input: final.usage.input_tokens, output: final.usage.output_tokens, cacheRead: final.usage.cache_read_input_tokens },
    stop: final.stop_reason,
  };
}

async function gemini(prompt) {
  const stream = await genai.models.generateContentStream({
    model: 'gemini-2.5-flash', contents: prompt,
    config: { tools: [{ functionDeclarations: tools.map(t => ({ name: t.name, description: t.description, parametersJsonSchema: t.schema })) }] },
  });
  let text = '', thinking = '', deltas = 0, usage = null, stop = null;
  const toolCalls = [];
  for await (const chunk of stream) {
    for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
      if (part.functionCall) toolCalls.push({ name: part.functionCall.name, args: part.functionCall.args, signature: part.thoughtSignature ?? null });
      else if (part.thought) thinking += part.text;
      else if (part.text) { text += part.text; deltas++; }
    }
    if (chunk.usageMetadata) usage = { input: chunk.usageMetadata.promptTokenCount, output: chunk.usageMetadata.candidatesTokenCount ?? 0 };
    if (chunk.candidates?.[0]?.finishReason) stop = chunk.candidates[0].finishReason;
  }
  return { text, deltas, thinking, toolCalls, usage, stop };
}

async function rejected(fn) {
  try {
    await fn();
    return { status: null };
  } catch (e) {
    return { status: e.status ?? e.code ?? null, type: e.error?.error?.type ?? e.error?.type ?? null, message: String(e.message).slice(0, 200) };
  }
}

for (const [name, fn] of [['chat', chat], ['responses', responses], ['messages', messages], ['gemini', gemini]]) {
  out[name] = { plain: await fn('plain'), tools: await fn('tools') };
}
out.errors = {
  chat: await rejected(() => new OpenAI({ apiKey: 'bad-key', baseURL: `${base}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true })),
  messages: await rejected(() => new Anthropic({ apiKey: 'bad-key', baseURL: base, maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], stream: true })),
  gemini: await rejected(async () => { for await (const c of await new GoogleGenAI({ apiKey: 'bad-key', httpOptions: { baseUrl: base } }).models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x' })) { /* drain */ } }),
};
console.log(JSON.stringify(out));
